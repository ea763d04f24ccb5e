"""Dependencies point one way (STYLE.md rule 2), checked on the source text.

Every import counts: `import x`, `from x import y` (y too, when it is a module),
relative imports, imports inside functions, and `importlib.import_module("x")` or
`__import__("x")`; an import whose name is computed is reported as such. The simulator
rule also follows imports through other modules of ours: it must not reach the client
by way of a helper.
"""

import ast
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER_ROOT = ROOT / "layers" / "shared"
DYNAMIC = "<computed import>"
_IMPORT_CALLS = {"import_module", "__import__"}


def module_name(path: Path, root: Path) -> str:
    """`local/simulator/world.py` under `root` -> `local.simulator.world`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: str | None, level: int, importer: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_of(source: str, importer: str = "", *, is_package: bool = False) -> set[str]:
    """Every module `source` imports, absolute; DYNAMIC for a name it computes."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, importer, is_package)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in _IMPORT_CALLS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
                else:
                    names.add(DYNAMIC)
    return names


def module_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules it imports, for every module of `packages` under `root`."""
    graph: dict[str, set[str]] = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            name = module_name(path, root)
            source = path.read_text("utf-8")
            graph[name] = imports_of(source, name, is_package=path.name == "__init__.py")
    return graph


def _with_parents(name: str) -> list[str]:
    # Importing a.b.c runs a/__init__ and a/b/__init__ first.
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _is_named(name: str, forbidden: tuple[str, ...]) -> bool:
    return name == DYNAMIC or any(name == f or name.startswith(f"{f}.") for f in forbidden)


def reaches(graph: dict[str, set[str]], start: str, forbidden: tuple[str, ...]) -> list[str]:
    """The import chains from `start` to a module named by `forbidden` (or to a computed
    import), following only modules in `graph`."""
    chains = {start: [start]}
    todo = deque([start])
    found: list[str] = []
    while todo:
        current = todo.popleft()
        for imported in sorted(graph.get(current, ())):
            if _is_named(imported, forbidden):
                found.append(" -> ".join([*chains[current], imported]))
                continue
            for name in _with_parents(imported):
                if name in graph and name not in chains:
                    chains[name] = [*chains[current], name]
                    todo.append(name)
    return sorted(set(found))


def offenders(folder: Path, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    """The direct imports of the modules in `folder` that name a forbidden module."""
    found = []
    for path in folder.rglob("*.py"):
        importer = module_name(path, root)
        names = imports_of(path.read_text("utf-8"), importer, is_package=path.name == "__init__.py")
        found += [
            f"{path.relative_to(root)} imports {name}"
            for name in sorted(names)
            if name == DYNAMIC or name.split(".")[0] in forbidden or name.startswith(forbidden)
        ]
    return found


def test_layer_never_imports_local_tools_or_handlers() -> None:
    forbidden = ("local", "functions", "moto")
    assert offenders(LAYER_ROOT / "adsync", forbidden, LAYER_ROOT) == []


def test_simulator_never_imports_the_client() -> None:
    assert offenders(ROOT / "local" / "simulator", ("adsync",)) == []


def test_simulator_never_reaches_the_client_through_another_module() -> None:
    graph = module_graph(ROOT, ("local",)) | module_graph(LAYER_ROOT, ("adsync",))
    simulator = [name for name in graph if name.startswith("local.simulator")]
    assert simulator
    chains = [chain for name in simulator for chain in reaches(graph, name, ("adsync.shopee",))]
    assert chains == []


def test_handlers_only_use_the_layer() -> None:
    assert offenders(ROOT / "functions", ("local", "moto", "tests")) == []


def test_shopee_client_knows_nothing_of_queues_or_db() -> None:
    shopee = LAYER_ROOT / "adsync" / "shopee"
    forbidden = ("adsync.db", "adsync.queue", "adsync.services", "adsync.jobs", "boto3")
    assert offenders(shopee, forbidden, LAYER_ROOT) == []


# The checks themselves, on small trees written for the purpose.


def test_importlib_and_dunder_imports_are_seen() -> None:
    source = (
        "import importlib\n"
        "def load(name):\n"
        "    importlib.import_module('adsync.shopee.client')\n"
        "    __import__('moto')\n"
        "    importlib.import_module(name)\n"
    )
    assert {"adsync.shopee.client", "moto", DYNAMIC} <= imports_of(source, "local.simulator.x")


def test_relative_and_from_imports_resolve_to_absolute_names() -> None:
    names = imports_of("from ..shopee import client\n", "adsync.db.store")
    assert {"adsync.shopee", "adsync.shopee.client"} <= names


def test_a_chain_through_another_module_is_found(tmp_path: Path) -> None:
    (tmp_path / "local" / "simulator").mkdir(parents=True)
    (tmp_path / "local" / "__init__.py").write_text("")
    (tmp_path / "local" / "helper.py").write_text("from adsync.shopee import signing\n")
    (tmp_path / "local" / "fine.py").write_text("import adsync.config\n")
    (tmp_path / "local" / "simulator" / "__init__.py").write_text("")
    (tmp_path / "local" / "simulator" / "server.py").write_text("from local import fine, helper\n")
    graph = module_graph(tmp_path, ("local",))
    assert reaches(graph, "local.simulator.server", ("adsync.shopee",)) == [
        "local.simulator.server -> local.helper -> adsync.shopee",
        "local.simulator.server -> local.helper -> adsync.shopee.signing",
    ]
    (tmp_path / "local" / "helper.py").write_text("import json\n")
    graph = module_graph(tmp_path, ("local",))
    assert reaches(graph, "local.simulator.server", ("adsync.shopee",)) == []
