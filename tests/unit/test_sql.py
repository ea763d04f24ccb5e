"""Every named SQL block loads, and block names are unique."""

from importlib import resources

import pytest

from adsync.db.sql import parse_blocks, query


def test_every_query_file_parses() -> None:
    folder = resources.files("adsync.db").joinpath("queries")
    files = [f for f in folder.iterdir() if f.name.endswith(".sql")]
    assert files
    for file in files:
        blocks = parse_blocks(file.read_text("utf-8"))
        assert blocks, file.name
        assert all(sql.strip() for sql in blocks.values())


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        parse_blocks("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;")


def test_unknown_block_names_the_file() -> None:
    with pytest.raises(KeyError, match=r"nope.*jobs\.sql"):
        query("jobs.sql", "nope")
