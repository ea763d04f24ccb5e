"""Statement parameters made safe for Postgres before they are sent.

Text from outside (a Shopee error message, a campaign's raw reply) can hold what a
Postgres `text` or `jsonb` value cannot: a NUL, or a lone UTF-16 surrogate (valid in a
Python str, not encodable as UTF-8). Sent as is, a NUL is refused by the server, and a
surrogate makes pg8000 fail while it is writing the message, leaving half a statement
in the connection's buffer (the next statement then reads the wrong reply). So every
str reaching `Database.run`, at any depth of a dict, list or `Json` value, is cleaned:
surrogate pairs are joined, lone surrogates and NULs become U+FFFD.

Owns cleaning and `Json`; knows nothing of connections or of what the text means.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

REPLACEMENT = "\ufffd"
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Json:
    """A value sent as JSON text (bind it as `:name::jsonb`), cleaned like any str;
    dates and datetimes in it become ISO 8601 text."""

    value: Any


def clean_text(text: str) -> str:
    """`text` without NULs or lone surrogates (each becomes U+FFFD)."""
    if _UNSAFE.search(text) is None:
        return text
    # Through UTF-16, pairs written as two code points become one character again and
    # lone halves decode as U+FFFD.
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return joined.replace("\x00", REPLACEMENT)


def clean_value(value: Any) -> Any:
    """`value` with every str inside it cleaned; `Json` values become JSON text."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Json):
        return _json_text(value.value)
    if isinstance(value, Mapping):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(clean_value(v) for v in value)
    return value


def _json_text(value: Any) -> str:
    """`value` as JSON text, every str inside it cleaned. Most values hold nothing to
    clean, and their text shows it: JSON writes a NUL as the escape \\u0000 and a lone
    surrogate as itself. So the text is checked first and the value walked only when the
    text shows either (a batch of a thousand rows is one string to check instead of
    twenty thousand values to walk). An escaped backslash before "u0000" also sends the
    value to the walk, which then leaves it as it is."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=_iso)
    except TypeError:  # a Mapping that is not a dict: the walk makes it one
        text = None
    # isascii is a flag of the str: an ASCII text needs no scan for surrogates
    if text is not None and "\\u0000" not in text and (text.isascii() or not _UNSAFE.search(text)):
        return text
    return json.dumps(clean_value(value), ensure_ascii=False, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def clean_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Every value of `params` made safe for the driver (see `clean_value`)."""
    return {name: clean_value(value) for name, value in params.items()}
