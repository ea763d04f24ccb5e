"""The simulator must not share code with the client: a shared bug would hide on both sides."""

import ast
from pathlib import Path

import local.simulator

FORBIDDEN = ("adsync", "functions")


def test_simulator_imports_nothing_from_the_client() -> None:
    package = Path(local.simulator.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
