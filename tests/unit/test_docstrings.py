"""Every public definition of the layer says what it is (STYLE rule 7): a module, class,
function or method whose name does not start with `_` has a docstring."""

import ast
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared" / "adsync"


def undocumented(source: str, module: str) -> list[str]:
    """The public definitions of `source` without a docstring, as `module:line name`."""
    tree = ast.parse(source)
    missing = [] if ast.get_docstring(tree) else [f"{module}:1 (module)"]

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if node.name.startswith("_"):
                continue
            if ast.get_docstring(node) is None:
                missing.append(f"{module}:{node.lineno} {prefix}{node.name}")
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return missing


def test_the_check_sees_a_missing_docstring() -> None:
    source = (
        '"""A module."""\n\n'
        "class Store:\n"
        '    """Kept."""\n\n'
        "    def get(self) -> None:\n"
        "        pass\n"
    )
    assert undocumented(source, "m.py") == ["m.py:6 Store.get"]


def test_every_public_definition_of_the_layer_has_a_docstring() -> None:
    missing = [
        name
        for path in sorted(LAYER.rglob("*.py"))
        for name in undocumented(path.read_text("utf-8"), str(path.relative_to(LAYER)))
    ]
    assert missing == []
