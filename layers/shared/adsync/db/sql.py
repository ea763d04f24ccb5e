"""Named SQL blocks loaded from `.sql` files (`-- name: claim_job`).

No SQL is built in Python strings: a repository asks for a block by name. A line
`-- include: other_block` (or `-- include: file.sql other_block`) stands for that
block, indented as the line is: SQL said once (an upsert's columns and ON CONFLICT
clause) serves every statement that needs it.
"""

import re
import textwrap
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
_INCLUDE = re.compile(
    r"^(?P<indent>[ \t]*)--\s*include:\s*(?:(?P<file>\w+\.sql)\s+)?(?P<name>\w+)\s*$",
    re.MULTILINE,
)


def parse_blocks(text: str) -> dict[str, str]:
    """Split a file of `-- name: x` blocks into {name: statement}."""
    parts = _NAME.split(text)
    blocks: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in blocks:
            raise ValueError(f"duplicate SQL block name {name!r}")
        blocks[name] = body.strip().rstrip(";")
    return blocks


@cache
def _blocks(filename: str) -> dict[str, str]:
    text = resources.files("adsync.db").joinpath("queries", filename).read_text("utf-8")
    return parse_blocks(text)


def expand_includes(
    body: str, filename: str, blocks: Callable[[str], Mapping[str, str]], seen: tuple[str, ...] = ()
) -> str:
    """`body` with every `-- include:` line replaced by the block it names (in
    `filename` unless the line names another file), includes of includes too."""

    def included(match: re.Match[str]) -> str:
        source = match["file"] or filename
        key = f"{source} {match['name']}"
        if key in seen:
            raise ValueError(f"SQL include cycle: {' -> '.join((*seen, key))}")
        try:
            text = blocks(source)[match["name"]]
        except KeyError:
            raise KeyError(f"no SQL block {match['name']!r} in {source} to include") from None
        return textwrap.indent(expand_includes(text, source, blocks, (*seen, key)), match["indent"])

    return _INCLUDE.sub(included, body)


@cache
def _load(filename: str) -> dict[str, str]:
    return {
        name: expand_includes(body, filename, _blocks) for name, body in _blocks(filename).items()
    }


def query(filename: str, name: str) -> str:
    """Return the statement named `name` in `adsync/db/queries/<filename>`."""
    try:
        return _load(filename)[name]
    except KeyError:
        raise KeyError(f"no SQL block {name!r} in {filename}") from None
