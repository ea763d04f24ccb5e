"""Every named SQL block loads, block names are unique, and `-- include:` lines expand."""

import re
import textwrap
from importlib import resources

import pytest

from adsync.db.sql import expand_includes, parse_blocks, query
from adsync.shopee.models import PRODUCT_METRICS, SHOP_METRICS


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


FILES = {
    "a.sql": {
        "columns": "(x, y)",
        "upsert": "INSERT INTO t\n-- include: columns\nVALUES (1, 2)",
        "loop": "-- include: b.sql back",
    },
    "b.sql": {
        "wrapped": "WITH w AS (\n    -- include: a.sql upsert\n)",
        "back": "-- include: a.sql loop",
    },
}


def test_an_include_line_stands_for_its_block_indented_as_the_line() -> None:
    text = expand_includes(FILES["b.sql"]["wrapped"], "b.sql", FILES.__getitem__)
    assert text == "WITH w AS (\n    INSERT INTO t\n    (x, y)\n    VALUES (1, 2)\n)"


def test_an_include_cycle_or_a_missing_block_is_refused() -> None:
    with pytest.raises(ValueError, match="include cycle"):
        expand_includes(FILES["a.sql"]["loop"], "a.sql", FILES.__getitem__)
    with pytest.raises(KeyError, match=r"'nothing' in a\.sql"):
        expand_includes("-- include: nothing", "a.sql", FILES.__getitem__)


def test_the_realtime_commit_writes_the_ads_tables_with_the_upserts_own_sql() -> None:
    commit = query("realtime.sql", "commit_realtime")
    for table in ("campaign", "campaign_daily", "campaign_hourly", "shop_daily", "shop_hourly"):
        for part in ("rows", "conflict"):
            fragment = query("ads.sql", f"{table}_{part}")
            assert textwrap.indent(fragment, "    ") in commit
            assert fragment in query(
                "ads.sql", f"upsert_{table}{'s' if table == 'campaign' else ''}"
            )


@pytest.mark.parametrize(
    ("family", "metrics"), [("product", PRODUCT_METRICS), ("shop", SHOP_METRICS)]
)
def test_an_upsert_compares_and_writes_every_metric_of_its_set(
    family: str, metrics: dict[str, type]
) -> None:
    """A metric missing from the comparison would leave its change unwritten whenever
    the row's other metrics stayed the same; one missing from the update, always."""
    changed = query("ads.sql", f"{family}_metrics_changed")
    compared = set(re.findall(r"\bt\.(\w+)", changed))
    assert compared == set(re.findall(r"\bEXCLUDED\.(\w+)", changed)) == set(metrics)
    updated = set(
        re.findall(r"^(\w+) = EXCLUDED\.\1", query("ads.sql", f"{family}_metrics_update"), re.M)
    )
    assert updated == {*metrics, "synced_at"}
