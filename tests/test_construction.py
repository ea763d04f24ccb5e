"""Construct, don't locate (STYLE.md rule 12), checked on the source text.

A function that needs gateways builds its handler from `make_handler(deps)`, and its
module ends with `handler = make_handler(Dependencies())`: the one set of the
container, built once, in one place. A `Dependencies(...)` anywhere else in the module
(a set per record, per call) or a handler reaching for a set some other way is
reported. `functions/migrate` takes no gateways of ours and is left out.
"""

import ast
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
EXPLICIT = "handler = make_handler(Dependencies())"


def construction_problems(source: str) -> list[str]:
    """Why `source` (a function's app.py) does not build its handler explicitly."""
    tree = ast.parse(source)
    problems = []
    makers = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.name == "make_handler"
        and [a.arg for a in node.args.args] == ["deps"]
    ]
    if not makers:
        problems.append("no make_handler(deps)")
    last = tree.body[-1] if tree.body else None
    if last is None or ast.unparse(last) != EXPLICIT:
        problems.append(f"does not end with `{EXPLICIT}`")
    built = sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "Dependencies"
    )
    if len(built) > 1:
        problems.append(f"builds Dependencies more than once (lines {built})")
    located = [
        f"{ast.unparse(node)} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "dependencies"
    ]
    problems += [f"locates its dependencies: {name}" for name in located]
    return problems


def test_every_function_builds_its_handler_on_its_own_dependencies() -> None:
    found = {
        path.parent.name: construction_problems(path.read_text("utf-8"))
        for path in sorted(FUNCTIONS.glob("*/app.py"))
        if path.parent.name != "migrate"
    }
    assert set(found) == {"admin", "dead_letter", "enqueue", "maintenance", "worker"}
    assert found == {name: [] for name in found}


# The check itself, on small modules written for the purpose.


def test_the_check_accepts_an_explicit_container() -> None:
    source = (
        "def make_handler(deps):\n"
        "    def handler(event, context):\n"
        "        return run(event, deps)\n"
        "    return handler\n\n"
        "handler = make_handler(Dependencies())\n"
    )
    assert construction_problems(source) == []


def test_the_check_sees_a_located_container_and_a_set_per_record() -> None:
    source = (
        "def handler(event, context):\n"
        "    deps = dependencies.current()\n"
        "    return [run(r, Dependencies()) for r in event['Records']]\n"
    )
    assert construction_problems(source) == [
        "no make_handler(deps)",
        f"does not end with `{EXPLICIT}`",
        "locates its dependencies: dependencies.current (line 2)",
    ]
    per_record = (
        "def make_handler(deps):\n"
        "    return lambda event, context: [run(r, Dependencies()) for r in event]\n\n"
        "handler = make_handler(Dependencies())\n"
    )
    assert construction_problems(per_record) == [
        "builds Dependencies more than once (lines [2, 4])"
    ]
