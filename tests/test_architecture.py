"""Dependencies point one way (STYLE.md rule 2), checked on the source text."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(folder: Path) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[path] = names
    return found


def offenders(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in imported_modules(folder).items()
        for name in names
        if name.split(".")[0] in forbidden or name.startswith(forbidden)
    ]


def test_layer_never_imports_local_tools_or_handlers() -> None:
    assert offenders(ROOT / "layers" / "shared" / "adsync", ("local", "functions", "moto")) == []


def test_simulator_never_imports_the_client() -> None:
    assert offenders(ROOT / "local" / "simulator", ("adsync",)) == []


def test_handlers_only_use_the_layer() -> None:
    assert offenders(ROOT / "functions", ("local", "moto", "tests")) == []


def test_shopee_client_knows_nothing_of_queues_or_db() -> None:
    shopee = ROOT / "layers" / "shared" / "adsync" / "shopee"
    forbidden = ("adsync.db", "adsync.queue", "adsync.services", "adsync.jobs", "boto3")
    assert offenders(shopee, forbidden) == []
