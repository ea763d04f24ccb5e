"""Parameter cleaning (adsync.db.params): what Postgres text and jsonb cannot hold."""

import json

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
