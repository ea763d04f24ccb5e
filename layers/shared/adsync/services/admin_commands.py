"""The admin protocol: `{"command": "status", "args": {...}}` in, JSON out.

Shared by the admin Lambda (functions/admin) and the console on this machine, so both
accept the same requests and give the same replies:

    {"command": "status", "ok": true, "result": {...}}       the operation's result
    {"command": "status", "ok": false, "error": "..."}       nothing was changed

Arguments are checked in full before anything runs: an unknown command, an unknown
argument or a bad value is an error and changes nothing. Times are ISO 8601 in UTC.
"""

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from adsync.errors import AdsSyncError, BadEventError
from adsync.jobs import EnqueueRequest, JobStatus, SyncType
from adsync.regions import TIME_ZONES
from adsync.services import admin, admin_agency, admin_partners
from adsync.services.dependencies import Dependencies
from adsync.tiers import parse_tier

Args = dict[str, Any]
MAX_LIST = 500


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _int(low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        raise ValueError(f"an integer {low}..{high}")

    return parse


_ID = _int(1, 2**63 - 1)


def _text(value: object) -> str:
    if isinstance(value, str) and 0 < len(value) <= 500:
        return value
    raise ValueError("a non-empty string")


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("true or false")


def _instant(value: object) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment
    raise ValueError("an ISO 8601 time with its offset, e.g. 2026-11-20T05:30:00+00:00")


def _choice(*values: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if value in values:
            return str(value)
        raise ValueError(f"one of {', '.join(values)}")

    return parse


def _tier(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("a tier name")
    return parse_tier(value)


def _ids(value: object) -> tuple[int, ...]:
    if isinstance(value, list) and 0 < len(value) <= 10_000:
        return tuple(_ID(v) for v in value)
    raise ValueError("a list of positive integers")


def _any(value: object) -> object:
    return value  # checked by the operation's own parser (EnqueueRequest)


@dataclass(frozen=True)
class Command:
    """A console command: the function that runs it, its arguments' parsers, the required ones, its
    help."""

    run: Callable[[Dependencies, Args], object]
    args: Mapping[str, Callable[[object], object]]
    required: tuple[str, ...] = ()
    help: str = ""


def _retry(deps: Dependencies, a: Args) -> object:
    filters = {k: a[k] for k in ("job_ids", "shop_id", "error", "since") if k in a}
    if not filters and not a.get("all"):
        raise BadEventError("retry needs a filter (job_ids, shop_id, error, since) or all: true")
    return admin.retry_failed(deps, **filters)


def _sync_request(deps: Dependencies, a: Args) -> EnqueueRequest:
    if "shop_ids" not in a and not a.get("all"):
        raise BadEventError("sync needs shop_ids or all: true")
    event = {k: v for k, v in a.items() if k != "all"}
    event.setdefault("sync_type", SyncType.REALTIME.value if "start_day" not in a else None)
    if event["sync_type"] is None:
        del event["sync_type"]
    return EnqueueRequest.from_event(
        event, default_window_days=deps.settings.attribution_window_days
    )


COMMANDS: dict[str, Command] = {
    "status": Command(lambda d, a: admin.status(d), {}, help="fleet at a glance"),
    "jobs": Command(
        lambda d, a: admin.list_jobs(d, limit=a.pop("limit", 50), **a),
        {
            "status": _choice(*(s.value for s in JobStatus)),
            "shop_id": _ID,
            "sync_type": _choice(*(t.value for t in SyncType)),
            "since": _instant,
            "limit": _int(1, MAX_LIST),
        },
        help="jobs, newest first",
    ),
    "job": Command(
        lambda d, a: admin.show_job(d, a["job_id"]), {"job_id": _ID}, ("job_id",), "one job"
    ),
    "retry": Command(
        _retry,
        {"job_ids": _ids, "shop_id": _ID, "error": _text, "since": _instant, "all": _flag},
        help="failed jobs back to the queue",
    ),
    "reset-stuck": Command(
        lambda d, a: admin.reset_stuck(
            d, shop_id=a.get("shop_id"), grace=timedelta(minutes=a.get("grace_minutes", 0))
        ),
        {"shop_id": _ID, "grace_minutes": _int(0, 1440)},
        help="processing jobs whose lease expired back to the queue",
    ),
    "sync": Command(
        lambda d, a: admin.sync_now(d, _sync_request(d, a)),
        {
            k: _any
            for k in (
                "sync_type",
                "priority",
                "shop_ids",
                "window_days",
                "days_ago",
                "start_day",
                "end_day",
            )
        }
        | {"all": _flag},
        help="sync shops now (the enqueue handler's request)",
    ),
    "shops": Command(
        lambda d, a: admin.list_shops(d, **a), {"needs_reauth": _flag}, help="shops, by id"
    ),
    "shop-pause": Command(
        lambda d, a: admin.set_shop_paused(d, shop_id=a["shop_id"], paused=True),
        {"shop_id": _ID},
        ("shop_id",),
        "stop syncing a shop",
    ),
    "shop-resume": Command(
        lambda d, a: admin.set_shop_paused(d, shop_id=a["shop_id"], paused=False),
        {"shop_id": _ID},
        ("shop_id",),
        "sync a paused shop again",
    ),
    "auth-url": Command(
        lambda d, a: admin.authorization_link(d, **a),
        {"redirect": _text, "partner_id": _ID},
        ("redirect",),
        "the link a seller opens to authorize the app",
    ),
    "authorize": Command(
        lambda d, a: admin.authorize_shop(d, **a),
        {
            "shop_id": _ID,
            "region": _choice(*sorted(TIME_ZONES)),
            "code": _text,
            "shop_name": _text,
            "backfill": _flag,
            "partner_id": _ID,
        },
        ("shop_id", "region", "code"),
        "exchange the redirect's code and store the shop",
    ),
    "authorize-main": Command(
        lambda d, a: admin_agency.authorize_main_account(d, **a),
        {"main_account_id": _ID, "code": _text, "backfill": _flag, "partner_id": _ID},
        ("main_account_id", "code"),
        "exchange a main account's code and store every shop it brings",
    ),
    "shop-tier": Command(
        lambda d, a: admin_agency.set_shop_tier(d, **a),
        {"shop_id": _ID, "tier": _tier},
        ("shop_id", "tier"),
        "give a shop a lasting tier: critical, normal or off_peak",
    ),
    "budget": Command(lambda d, a: admin.budget_status(d), {}, help="the request budgets"),
    "budget-pause": Command(
        lambda d, a: admin.pause_budget(d, **a),
        {"minutes": _int(1, 7 * 1440), "name": _text},
        ("minutes",),
        "no Shopee calls until the pause ends",
    ),
    "budget-resume": Command(
        lambda d, a: admin.resume_budget(d, **a), {"name": _text}, help="end a pause"
    ),
}


def _rate(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1000:
        return float(value)
    raise ValueError("a number of requests per second, above 0 and at most 1000")


COMMANDS.update(
    {
        "partners": Command(
            lambda d, a: admin_partners.list_partners(d), {}, help="the partner apps"
        ),
        "partner-add": Command(
            lambda d, a: admin_partners.add_partner(d, **a),
            {
                "partner_id": _int(1, 0xFFFFFFFF),
                "name": _text,
                "secret_ref": _text,
                "base_url": _text,
                "requests_per_second": _rate,
            },
            ("partner_id", "name", "secret_ref"),
            "add or change a partner app (its key stays in its secret)",
        ),
        "seed-keys": Command(
            lambda d, a: admin_partners.move_seed_keys(d, **a),
            {"move": _flag},
            help="move the seed's per-shop partner keys into Secrets Manager",
        ),
        "shop-partner": Command(
            lambda d, a: admin_partners.set_shop_partner(d, **a),
            {"shop_id": _ID, "partner_id": _int(1, 0xFFFFFFFF)},
            ("shop_id", "partner_id"),
            "move a shop to another partner app",
        ),
    }
)


def parse(event: object) -> tuple[str, Command, Args]:
    """The command and its checked arguments; BadEventError saying what is wrong."""
    if not isinstance(event, Mapping):
        raise BadEventError('an admin event is a JSON object: {"command": ..., "args": {...}}')
    unknown_keys = set(event) - {"command", "args"}
    if unknown_keys:
        raise BadEventError(f"unknown event keys {sorted(unknown_keys)}; expected command, args")
    name = event.get("command")
    command = COMMANDS.get(name) if isinstance(name, str) else None
    if command is None or not isinstance(name, str):
        raise BadEventError(
            f"unknown command {_shown(name)}; expected one of {', '.join(COMMANDS)}"
        )
    raw = event.get("args") or {}
    if not isinstance(raw, Mapping):
        raise BadEventError(f"{name}: args must be a JSON object")
    args: Args = {}
    for key, value in raw.items():
        check = command.args.get(key)
        if check is None:
            allowed = ", ".join(command.args) or "none"
            raise BadEventError(f"{name}: unknown argument {key!r} (allowed: {allowed})")
        try:
            args[key] = check(value)
        except ValueError as exc:
            raise BadEventError(f"{name}: {key} must be {exc}, got {_shown(value)}") from None
    missing = [key for key in command.required if key not in args]
    if missing:
        raise BadEventError(f"{name}: missing argument(s) {', '.join(missing)}")
    return name, command, args


def handle(event: object, deps: Dependencies) -> dict[str, Any]:
    """Run one admin event; an operator's mistake is an error reply, not an exception."""
    name = event.get("command") if isinstance(event, Mapping) else None
    try:
        name, command, args = parse(event)
        admin.require_schema(deps)
        result = command.run(deps, args)
    except AdsSyncError as exc:
        return {"command": name, "ok": False, "error": str(exc)}
    return {"command": name, "ok": True, "result": to_json(result)}


def to_json(value: Any) -> Any:
    """Dataclasses as objects, times as ISO 8601 (UTC), enums as their values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value
