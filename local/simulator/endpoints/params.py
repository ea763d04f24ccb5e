"""Reading request parameters the way the gateway does: strict, with error_param on junk.

Must not know which endpoint asks.
"""

from collections.abc import Mapping
from typing import Any

from local.simulator.errors import param_error


def integer(params: Mapping[str, Any], name: str, *, default: int | None = None) -> int:
    value = params.get(name)
    if value is None or value == "":
        if default is None:
            raise param_error(f"{name} is required.")
        return default
    if isinstance(value, bool):
        raise param_error(f"Invalid {name}.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise param_error(f"Invalid {name}.")


def text(params: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise param_error(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise param_error(f"Invalid {name}.")
    return value


def id_list(params: Mapping[str, Any], name: str, *, max_count: int) -> list[int]:
    """Comma-separated ids (more than max_count -> error_param); duplicates dropped, order kept."""
    raw = text(params, name)
    assert raw is not None
    ids: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part.isdigit():
            raise param_error(f"Invalid {name}.")
        ids.append(int(part))
    if len(ids) > max_count:
        raise param_error(f"The number of {name} should not exceed {max_count}.")
    return list(dict.fromkeys(ids))
