"""Named SQL blocks loaded from `.sql` files (`-- name: claim_job`).

No SQL is built in Python strings: a repository asks for a block by name.
"""

import re
from functools import cache
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


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
def _load(filename: str) -> dict[str, str]:
    text = resources.files("adsync.db").joinpath("queries", filename).read_text("utf-8")
    return parse_blocks(text)


def query(filename: str, name: str) -> str:
    """Return the statement named `name` in `adsync/db/queries/<filename>`."""
    try:
        return _load(filename)[name]
    except KeyError:
        raise KeyError(f"no SQL block {name!r} in {filename}") from None
