"""What a realtime sync knows between cycles, and the plan that asks Shopee only what
can have changed. Pure values: no I/O, no clock.

Each Shopee saving below is argued from shared/docs/shopee-ads-api.md:

- The shop-level hourly reply (§6.4) covers *all* CPC ads of the shop. Counts only grow
  during a day (hours complete, orders are attributed late, §8), so when the shop's
  hourly reply is identical to the last one, no campaign's hourly or daily row of that
  day can have changed: the cycle stops after that one call.
- Shop-level hour = the sum of its campaigns' hours (§6.3/§6.4 "all CPC ads", §11
  "daily = sum of hours"). So the campaigns asked are only those active today or the day
  before; if their hourly counts (impressions, clicks, orders) add up to the shop's,
  no other campaign had any activity today and asking it would return nothing (§6.7,
  zero rows). If they do not add up, the campaign list is read and every campaign
  whose schedule overlaps today is asked: a campaign's first impression makes the shop
  total differ, so it appears in the cycle that first sees it.
- A campaign's (and the shop's) daily row for a day covers that day's hours (§6.3, §6.7:
  the same metrics, §8: counts only grow), so it can change only when they do: it is
  asked only when its hourly rows changed since the last cycle. Today's daily rows are
  even the sums of their hours (`daily.py`) while Shopee's own daily rows of the shop
  agree with those sums. Shopee's error text for a one-day daily window sends single
  dates to the hourly API (§6.3), but the doc never states that its daily money is the
  sum of its hourly money (§7: precision per currency is not documented; §11 makes it
  the simulator's model, a choice). So this is a hypothesis each shop's replies must
  confirm: the daily rows are asked and compared every DAILY_CHECK (jittered per shop);
  a disagreement sends the shop back to asking every cycle until a later check agrees.
- The campaign list and settings (§6.5, §6.6) change by seller action, far less often
  than performance: read in full every SETTINGS_REFRESH (jittered per shop), and for
  new ids (found in the list) as soon as the list is read.
"""

import hashlib
import operator
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from adsync.services.plan import chunk
from adsync.shopee.models import PRODUCT_METRICS, CampaignHourlyMetrics

SETTINGS_REFRESH = timedelta(hours=6)
DAILY_CHECK = timedelta(hours=2)
Counts = tuple[int, int, int, int]  # impression, clicks, broad_order, direct_order
COUNT_FIELDS = ("impression", "clicks", "broad_order", "direct_order")


def counts_of(row: object) -> Counts:
    """The counted metrics of a Shopee row, as a tuple to compare."""
    values = tuple(int(getattr(row, name)) for name in COUNT_FIELDS)
    return values  # type: ignore[return-value]


def digest(rows: Iterable[object], key: Sequence[str], metrics: Mapping[str, type]) -> str:
    """A short fingerprint of reply rows (order-independent)."""
    fields = operator.attrgetter(*key, *metrics)  # a tuple: always two names or more
    lines = sorted(repr(fields(row)) for row in rows)
    return hashlib.blake2b("\n".join(lines).encode(), digest_size=8).hexdigest()


def hours_digest(rows: Sequence[CampaignHourlyMetrics]) -> str:
    """A campaign-day's hourly rows (one or more) as one fingerprint: "<the hours before
    the last>/<the last hour>@<its number>". Equal when the rows are; `rows_to_write`
    reads the next cycle's rows against it."""
    last = max(row.hour for row in rows)
    return f"{_hours(rows, below=last)}/{_hours(r for r in rows if r.hour == last)}@{last}"


def rows_to_write(
    seen: str | None, rows: Sequence[CampaignHourlyMetrics]
) -> list[CampaignHourlyMetrics]:
    """The rows of a changed campaign-day worth writing, given the `hours_digest` of the
    ones written last (None: none). A reply holds every hour of the day, but 15 minutes
    on, the usual change is that the last hour seen grew or later ones began: when every
    hour before it is as it was, only the rows from it on. Otherwise (late attribution
    changed an earlier hour; a digest of an older form) all of them, and the upsert
    skips the rows it finds equal."""
    head, _, last = (seen or "").rpartition("@")
    before = head.partition("/")[0]
    if not last.isdigit() or _hours(rows, below=int(last)) != before:
        return list(rows)
    return [row for row in rows if row.hour >= int(last)]


# A campaign's hourly row as its digest reads it: the hour and every metric, packed
# exactly (a count as a signed 64-bit integer, a float as its IEEE double). Formatting
# floats as text took half a big shop's parse time.
_HOUR_ROW = struct.Struct(
    "<q" + "".join("q" if kind is int else "d" for kind in PRODUCT_METRICS.values())
)
_HOUR_FIELDS = operator.attrgetter("hour", *PRODUCT_METRICS)


def _hours(rows: Iterable[CampaignHourlyMetrics], *, below: int = 24) -> str:
    chosen = [row for row in rows if row.hour < below]
    try:
        lines = sorted(_HOUR_ROW.pack(*_HOUR_FIELDS(row)) for row in chosen)
    except struct.error:  # a count beyond 64 bits: the text form
        return digest(chosen, ("hour",), PRODUCT_METRICS)
    return hashlib.blake2b(b"".join(lines), digest_size=8).hexdigest()


def interval(*, shop_id: int, every: timedelta) -> timedelta:
    """A shop's own period for a read due `every` so long: jittered per shop (0.75x-1.25x)
    so that shops do not all come due in the same cycle."""
    return every * (0.75 + 0.5 * ((shop_id * 2654435761) % 1000) / 1000)


def is_due(*, last_at: datetime | None, shop_id: int, now: datetime, every: timedelta) -> bool:
    """Whether a periodic read of a shop (its settings in full, a check of its daily
    rows) is due now."""
    return last_at is None or now - last_at >= interval(shop_id=shop_id, every=every)


@dataclass(frozen=True, kw_only=True)
class ActivityState:
    """What the last completed realtime sync of a shop saw (apishopee_shops.sync_state)."""

    day: date | None = None
    shop_digest: str = ""
    campaigns: Mapping[int, str] = field(default_factory=dict)  # active that day -> digest
    previous: tuple[int, ...] = ()  # active the day before
    settings_at: datetime | None = None
    gms_digest: str = ""  # that day's GMS campaign report, as last written
    # The last check of Shopee's daily rows against the sums of their hours, and whether
    # they agreed (then today's daily rows are derived until the next check is due).
    daily_checked_at: datetime | None = None
    daily_agreed: bool = False

    def derives_daily(self, *, shop_id: int, now: datetime) -> bool:
        """Whether this cycle writes today's daily rows from the hourly ones (no daily
        call): the last check agreed and the next one is not due."""
        return self.daily_agreed and not self.daily_check_due(shop_id=shop_id, now=now)

    def daily_check_due(self, *, shop_id: int, now: datetime) -> bool:
        """Whether the daily rows asked this cycle may confirm the derivation again."""
        return is_due(last_at=self.daily_checked_at, shop_id=shop_id, now=now, every=DAILY_CHECK)

    def daily_check_after(
        self, cursor: "RealtimeCursor", *, now: datetime
    ) -> tuple[datetime | None, bool]:
        """(daily_checked_at, daily_agreed) once `cursor`'s cycle is done: any row that
        differed means asking from now on; rows that agreed when a check was due mean
        deriving until the next one; nothing compared changes nothing."""
        outcome = cursor.check_outcome
        if outcome is None:
            return self.daily_checked_at, self.daily_agreed
        return now, outcome == "agreed"

    def changed(self, campaign_id: int, hourly_digest: str) -> bool:
        """Whether a campaign's hourly rows of the day differ from the last cycle's."""
        return self.campaigns.get(campaign_id) != hourly_digest

    def asked_first(self) -> tuple[int, ...]:
        """The campaigns a cycle asks before checking them against the shop's totals."""
        return tuple(sorted(set(self.campaigns) | set(self.previous)))

    def on(self, day: date) -> "ActivityState":
        """The state as a sync of `day` starts from: a new day keeps yesterday's active
        campaigns as `previous` and nothing else of that day."""
        if self.day == day:
            return self
        if self.day is not None and self.day == day - timedelta(days=1):
            previous = tuple(sorted(self.campaigns))
        else:
            previous = tuple(sorted(set(self.campaigns) | set(self.previous)))
        return ActivityState(
            day=day,
            previous=previous,
            settings_at=self.settings_at,
            daily_checked_at=self.daily_checked_at,
            daily_agreed=self.daily_agreed,
        )

    def to_json(self) -> dict[str, Any]:
        """The state as JSON, for the shop's sync_state column."""
        return {
            "day": self.day.isoformat() if self.day else None,
            "shop_digest": self.shop_digest,
            "campaigns": {str(k): v for k, v in sorted(self.campaigns.items())},
            "previous": list(self.previous),
            "settings_at": _instant_json(self.settings_at),
            "gms_digest": self.gms_digest,
            "daily_checked_at": _instant_json(self.daily_checked_at),
            "daily_agreed": self.daily_agreed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> "ActivityState":
        """The state stored by `to_json` (an empty state for None)."""
        if not data:
            return cls()
        return cls(
            day=date.fromisoformat(data["day"]) if data.get("day") else None,
            shop_digest=str(data.get("shop_digest") or ""),
            campaigns={int(k): str(v) for k, v in (data.get("campaigns") or {}).items()},
            previous=tuple(int(c) for c in data.get("previous") or ()),
            settings_at=_instant_from(data.get("settings_at")),
            gms_digest=str(data.get("gms_digest") or ""),
            daily_checked_at=_instant_from(data.get("daily_checked_at")),
            daily_agreed=bool(data.get("daily_agreed")),
        )


def _instant_json(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _instant_from(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Step(StrEnum):
    """The steps of a realtime sync, in the order they run."""

    SHOP_HOURLY = "shop_hourly"
    SHOP_HOURLY_AGAIN = "shop_hourly_again"  # an hour completed after the first read
    HOURLY = "hourly"  # the campaigns active lately
    LIST = "list"  # one page per step
    SETTINGS = "settings"  # new ids (or all, on a full refresh), 100 per step
    EXTRA_HOURLY = "extra_hourly"  # running campaigns not asked yet
    DAILY = "daily"  # campaigns whose hourly rows changed, 100 per step
    SHOP_DAILY = "shop_daily"
    GMS = "gms"  # today's Product GMS reports (services/gms.py)
    GMS_DELETED = "gms_deleted"  # the GMS deleted-item list, with a settings refresh
    DONE = "done"


def _hours_json(hours: Mapping[int, Counts]) -> dict[str, list[int]]:
    return {str(h): list(c) for h, c in sorted(hours.items())}


def _hours_from(data: Mapping[str, Any]) -> dict[int, Counts]:
    return {int(h): tuple(int(v) for v in c) for h, c in data.items()}  # type: ignore[misc]


@dataclass(frozen=True, kw_only=True)
class RealtimeCursor:
    """How far a realtime job got; saved with the rows of the steps it covers."""

    day: date
    step: Step = Step.SHOP_HOURLY
    index: int = 0
    full: bool = False  # list + settings of every campaign this cycle
    fallback: bool = False  # the list was read (shop totals did not add up, or full)
    reread: bool = False  # the shop's hourly reply was read again (it was older)
    shop_digest: str = ""
    shop_changed: bool = True
    shop_hours: Mapping[int, Counts] = field(default_factory=dict)
    asked: tuple[int, ...] = ()
    sums: Mapping[int, Counts] = field(default_factory=dict)
    digests: Mapping[int, str] = field(default_factory=dict)
    listed: tuple[int, ...] | None = None  # None: not read this cycle
    list_done: bool = False
    new: tuple[int, ...] = ()
    extra: tuple[int, ...] = ()
    changed: tuple[int, ...] = ()
    gms_digest: str | None = None  # today's GMS campaign report (None: not asked)
    # Today's daily rows: derived from the hourly ones (no daily call), or asked; when
    # asked with a check due, compared with the digests of the sums of their hours
    # (`expected`: campaigns with 2+ hours; `shop_expected`: the shop's, "" if none).
    derive: bool = False
    check: bool = False
    expected: Mapping[int, str] = field(default_factory=dict)
    shop_expected: str = ""
    agreements: int = 0  # rows compared that agreed
    disagreed: bool = False  # a row compared that did not
    calls: int = 0
    rows: int = 0
    steps: int = 0
    runs: int = 1

    @property
    def done(self) -> bool:
        """True when every step has run."""
        return self.step is Step.DONE

    @property
    def phase(self) -> Step:
        """The step to run next (the name the job cursor stores)."""
        return self.step

    def chunks(self) -> list[tuple[int, ...]]:
        """The campaign ids of the current step, cut into one call's worth each."""
        ids = {
            Step.HOURLY: self.asked,
            Step.SETTINGS: self.new,
            Step.EXTRA_HOURLY: self.extra,
            Step.DAILY: self.changed,
        }.get(self.step, ())
        return chunk(ids)

    def counted(self, *, rows: int, calls: int = 1, **changes: Any) -> "RealtimeCursor":
        """This cursor after a step: its calls and rows added, `changes` applied."""
        return replace(
            self,
            calls=self.calls + calls,
            rows=self.rows + rows,
            steps=self.steps + 1,
            **changes,
        )

    @property
    def check_outcome(self) -> str | None:
        """What this cycle learnt of the shop's daily rows: "disagreed" (a row compared
        differed), "agreed" (rows compared when a check was due, none differed) or None."""
        if self.disagreed:
            return "disagreed"
        return "agreed" if self.check and self.agreements else None

    def compared(self, pairs: Sequence[tuple[int, str, str | None]]) -> "RealtimeCursor":
        """This cursor after comparing Shopee's daily rows with the sums of their hours,
        one pair per row: (campaign id or 0 for the shop, the fingerprint of the sum,
        that of Shopee's row or None when it sent none)."""
        differ = sum(1 for _, expected, got in pairs if got != expected)
        return replace(
            self,
            agreements=self.agreements + len(pairs) - differ,
            disagreed=self.disagreed or differ > 0,
        )

    def adds_up(self) -> bool:
        """Whether the campaigns asked account for every count of the shop's hours."""
        zero = (0, 0, 0, 0)
        hours = set(self.shop_hours) | set(self.sums)
        return all(self.shop_hours.get(h, zero) == self.sums.get(h, zero) for h in hours)

    def shop_reply_older(self) -> bool:
        """Whether a campaign reply has an hour the shop's reply had not (the hour ended
        between the two calls)."""
        last = max(self.shop_hours, default=-1)
        return any(hour > last for hour in self.sums)

    def stats(self) -> dict[str, Any]:
        """The job's stats when it completes."""
        return {
            "start_day": self.day.isoformat(),
            "end_day": self.day.isoformat(),
            "campaigns": len(self.listed) if self.listed is not None else None,
            "campaigns_with_performance": len(self.digests),
            "campaigns_asked": len(self.asked) + len(self.extra),
            "list_read": self.listed is not None,
            # False: the shop's hourly reply was the last one, so no CPC row changed.
            "shop_changed": self.shop_changed,
            # Today's daily rows: "derived" from their hours, or "asked" (and, when a
            # check was due, whether they agreed with those sums: daily_check).
            "daily_rows": "derived" if self.derive else "asked",
            "daily_check": self.check_outcome,
            "calls": self.calls,
            "rows": self.rows,
            "steps": self.steps,
            "runs": self.runs,
        }

    def to_json(self) -> dict[str, Any]:
        """The cursor as JSON, for the job row."""
        return {
            "kind": "realtime",
            "start_day": self.day.isoformat(),
            "end_day": self.day.isoformat(),
            "phase": self.step.value,
            "index": self.index,
            "full": self.full,
            "fallback": self.fallback,
            "reread": self.reread,
            "shop_digest": self.shop_digest,
            "shop_changed": self.shop_changed,
            "shop_hours": _hours_json(self.shop_hours),
            "asked": list(self.asked),
            "sums": _hours_json(self.sums),
            "digests": {str(k): v for k, v in sorted(self.digests.items())},
            "listed": list(self.listed) if self.listed is not None else None,
            "list_done": self.list_done,
            "new": list(self.new),
            "extra": list(self.extra),
            "changed": list(self.changed),
            "gms_digest": self.gms_digest,
            "derive": self.derive,
            "check": self.check,
            "expected": {str(k): v for k, v in sorted(self.expected.items())},
            "shop_expected": self.shop_expected,
            "agreements": self.agreements,
            "disagreed": self.disagreed,
            "calls": self.calls,
            "rows": self.rows,
            "steps": self.steps,
            "runs": self.runs,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "RealtimeCursor":
        """The cursor `to_json` stored."""
        listed = data.get("listed")
        return cls(
            day=date.fromisoformat(data["start_day"]),
            step=Step(data["phase"]),
            index=int(data["index"]),
            full=bool(data["full"]),
            fallback=bool(data["fallback"]),
            reread=bool(data.get("reread")),
            shop_digest=str(data["shop_digest"]),
            shop_changed=bool(data["shop_changed"]),
            shop_hours=_hours_from(data["shop_hours"]),
            asked=tuple(data["asked"]),
            sums=_hours_from(data["sums"]),
            digests={int(k): str(v) for k, v in data["digests"].items()},
            listed=tuple(listed) if listed is not None else None,
            list_done=bool(data["list_done"]),
            new=tuple(data["new"]),
            extra=tuple(data["extra"]),
            changed=tuple(data["changed"]),
            gms_digest=data.get("gms_digest"),
            derive=bool(data.get("derive")),
            check=bool(data.get("check")),
            expected={int(k): str(v) for k, v in (data.get("expected") or {}).items()},
            shop_expected=str(data.get("shop_expected") or ""),
            agreements=int(data.get("agreements", 0)),
            disagreed=bool(data.get("disagreed")),
            calls=int(data["calls"]),
            rows=int(data["rows"]),
            steps=int(data["steps"]),
            runs=int(data.get("runs", 1)),
        )
