"""Parameter cleaning (adsync.db.params): what Postgres text and jsonb cannot hold."""

import json
from datetime import UTC, date, datetime
from types import MappingProxyType

import pytest

from adsync.db.params import REPLACEMENT, Json, clean_params, clean_text


def test_clean_text_replaces_nul_and_lone_surrogates() -> None:
    assert clean_text("a\x00b") == f"a{REPLACEMENT}b"
    assert clean_text("x\ud800y\udfffz") == f"x{REPLACEMENT}y{REPLACEMENT}z"
    assert clean_text("plain ünïcode 😀") == "plain ünïcode 😀"


def test_a_pair_written_as_two_surrogates_becomes_its_character() -> None:
    assert clean_text("\ud83d\ude00") == "😀"


def test_cleaning_reaches_into_dicts_lists_and_json_values() -> None:
    params = clean_params(
        {
            "error": "boom\x00",
            "raw": {"k\ud800": ["v\x00", ("t\udc00",)], "n": 1},
            "rows": Json([{"name": "bad\ud800", "n": 2}]),
            "when": None,
        }
    )
    assert params["error"] == f"boom{REPLACEMENT}"
    assert params["raw"] == {f"k{REPLACEMENT}": [f"v{REPLACEMENT}", (f"t{REPLACEMENT}",)], "n": 1}
    assert json.loads(params["rows"]) == [{"name": f"bad{REPLACEMENT}", "n": 2}]
    assert params["when"] is None
    params["rows"].encode("utf-8")  # what pg8000 will do: must not raise


def test_a_json_value_is_cleaned_wherever_a_nul_hides_in_it() -> None:
    """JSON text writes a NUL as an escape: the escape, not a raw NUL, gives it away."""
    text = clean_params({"rows": Json([{"k\x00": "v\x00", "n": [1, "w\x00"]}])})["rows"]
    assert json.loads(text) == [{f"k{REPLACEMENT}": f"v{REPLACEMENT}", "n": [1, f"w{REPLACEMENT}"]}]


def test_a_json_value_with_nothing_to_clean_keeps_its_text() -> None:
    value = [{"name": "ünï 😀", "raw": "a\\u0000b", "n": 1.5, "none": None, "t": (1, "x")}]
    text = clean_params({"rows": Json(value)})["rows"]
    assert text == json.dumps(value, ensure_ascii=False)
    assert json.loads(text)[0]["raw"] == "a\\u0000b"  # backslash, "u0000": not a NUL


def test_a_json_value_may_hold_any_mapping() -> None:
    text = clean_params({"raw": Json(MappingProxyType({"k": MappingProxyType({"v": "\ud800"})}))})
    assert json.loads(text["raw"]) == {"k": {"v": REPLACEMENT}}


@pytest.mark.parametrize("text", ["plain", "bad\x00"])  # the text as is, and the walk
def test_dates_in_a_json_value_become_iso_text(text: str) -> None:
    value = {"day": date(2026, 11, 30), "at": datetime(2026, 11, 30, 7, 5, tzinfo=UTC), "t": text}
    loaded = json.loads(clean_params({"v": Json(value)})["v"])
    assert loaded["day"] == "2026-11-30"
    assert loaded["at"] == "2026-11-30T07:05:00+00:00"


def test_a_json_value_json_cannot_write_is_refused() -> None:
    with pytest.raises(TypeError):
        clean_params({"v": Json({"x": object()})})
