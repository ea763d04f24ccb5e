"""Enqueue: record one job per eligible shop, then send the new ones to their queue.

The row comes first (Postgres is the truth); a send that fails leaves the row pending
and undispatched, which the reconciler re-sends. Duplicate schedule deliveries insert
nothing thanks to the partial unique index. A shop row no job could sync (a region no
marketplace table knows: a hand edit, an older system's row) is skipped, logged and
counted; it never stops the tick for the other shops.

Jobs go out in `send_order`: the biggest shop first, the others spread so that the
campaigns handed out grow evenly with the jobs sent. Biggest-first alone would start a
tick with its hundred biggest shops side by side: every worker execution, and the
database, busy with 2,000-row replies at once while the request budget idles, then a
long run of one-call shops. Spread, each stretch of the tick asks about as much.

A fleet tick (no shop_ids: the schedules) honours each shop's tier (adsync/tiers.py): a
critical shop's jobs go to the critical queue, an off-peak shop takes realtime ticks only
in its local night. A request naming shops (an operator's "sync now") does what it says.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from adsync.errors import BadEventError
from adsync.jobs import MAX_DAYS_AGO, EnqueueRequest, SyncType
from adsync.observability import count, logger
from adsync.regions import UnknownRegionError, local_day
from adsync.services.dependencies import Dependencies
from adsync.shops import EligibleShop
from adsync.tiers import job_priority, takes_tick

# The share of a tick's jobs by which every campaign has been handed out: the last jobs
# sent are the smallest shops', short ones, so that no long job holds a cycle open.
SPREAD_UNTIL = 0.8


@dataclass(frozen=True, kw_only=True)
class EnqueueResult:
    """What one enqueue did: jobs created, messages sent, shops skipped."""

    eligible_shops: int
    inserted: int
    sent: int
    send_failed: int
    # shops the request named that are not synced (unknown, paused, needing re-auth),
    # and eligible shops whose row cannot be synced (a region no table knows)
    skipped_shop_ids: tuple[int, ...] = ()
    # off-peak shops this tick left alone: outside their window (not an error)
    outside_window: int = 0


@dataclass
class _Group:
    """The jobs of one priority, in the order they are sent."""

    shop_ids: list[int]
    days_ago: list[int | None]
    target_days: list[date | None]


def _days_of(
    request: EnqueueRequest, region: str, now: datetime
) -> list[tuple[int | None, date | None]]:
    """(days_ago, target_day) of each job one shop gets (a range: its days up to today)."""
    today = local_day(region, now)
    if request.days:
        return [((today - day).days, day) for day in request.days if day <= today]
    if request.sync_type is SyncType.BACKFILL_DAY:
        # backfill_day targets one day (part of its dedupe key); the others run "now"
        return [(request.days_ago, today - timedelta(days=request.days_ago or 0))]
    return [(request.days_ago, None)]


def send_order(shops: Sequence[EligibleShop]) -> list[EligibleShop]:
    """The order a tick's jobs are sent in. Shops never synced first (their size is
    unknown: a first sync reads everything). Then, from the known ones sorted biggest
    first, each next job is the biggest left while the campaigns handed out so far are
    behind a straight line (all of them by SPREAD_UNTIL of the jobs), else the smallest
    left: the biggest shop opens the tick, and the next big one waits until enough small
    ones have gone out."""
    unknown = [shop for shop in shops if shop.campaign_count is None]
    known = sorted(
        (shop for shop in shops if shop.campaign_count is not None),
        key=lambda shop: (-_size(shop), shop.shop_id),
    )
    total = sum(_size(shop) for shop in known)
    order: list[EligibleShop] = []
    dealt, head, tail = 0, 0, len(known) - 1
    while head <= tail:
        line = total * min(1.0, (len(order) + 1) / (SPREAD_UNTIL * len(known)))
        if dealt < line:
            shop, head = known[head], head + 1
        else:
            shop, tail = known[tail], tail - 1
        dealt += _size(shop)
        order.append(shop)
    return unknown + order


def _size(shop: EligibleShop) -> int:
    """A shop's share of a tick's work: its campaigns, at least one call's worth."""
    return max(1, shop.campaign_count or 0)


def enqueue(request: EnqueueRequest, deps: Dependencies) -> EnqueueResult:
    """Create the jobs `request` asks for (one per eligible shop and day; a live job is not
    duplicated) and send their messages; a failed send is left to the reconciler."""
    now = deps.clock()
    shops = send_order(deps.shops.eligible(now=now))
    skipped: tuple[int, ...] = ()
    fleet_tick = request.shop_ids is None
    if request.shop_ids is not None:
        wanted = set(request.shop_ids)
        shops = [shop for shop in shops if shop.shop_id in wanted]
        found = {shop.shop_id for shop in shops}
        skipped = tuple(s for s in request.shop_ids if s not in found)
    groups: dict[int, _Group] = {}
    outside_window = 0
    for shop in shops:
        try:
            days = _days_of(request, shop.region, now)  # every sync needs the shop's local day
            takes = takes_tick(shop.tier, sync_type=request.sync_type, region=shop.region, now=now)
        except UnknownRegionError as exc:
            skipped += (shop.shop_id,)
            logger.error(
                "shop skipped: its row cannot be synced", shop_id=shop.shop_id, error=str(exc)
            )
            continue
        if fleet_tick and not takes:
            outside_window += 1
            continue
        priority = job_priority(shop.tier, request.priority) if fleet_tick else request.priority
        group = groups.setdefault(priority, _Group(shop_ids=[], days_ago=[], target_days=[]))
        for n, day in days:
            if n is not None and n > MAX_DAYS_AGO:
                raise BadEventError(
                    f"{day} is {n} days ago for shop {shop.shop_id}: at most {MAX_DAYS_AGO}"
                )
            group.shop_ids.append(shop.shop_id)
            group.days_ago.append(n)
            group.target_days.append(day)
    dispatches = []
    for priority in sorted(groups, reverse=True):  # critical shops first
        group = groups[priority]
        dispatches += deps.jobs.insert_jobs(
            sync_type=request.sync_type.value,
            priority=priority,
            shop_ids=group.shop_ids,
            days_ago=group.days_ago,
            target_days=group.target_days,
            now=now,
        )
    outcome = deps.queue.send(dispatches)
    deps.jobs.mark_dispatched(job_ids=outcome.sent, now=now)
    for job_id, reason in outcome.failed:
        logger.warning("send failed; the reconciler will re-send", job_id=job_id, reason=reason)
    count("JobsEnqueued", len(dispatches))
    count("SendFailures", len(outcome.failed))
    count("ShopsSkipped", len(skipped))
    logger.info(
        "enqueued",
        sync_type=request.sync_type.value,
        priority=request.priority,
        eligible_shops=len(shops),
        inserted=len(dispatches),
        sent=len(outcome.sent),
        outside_window=outside_window,
    )
    return EnqueueResult(
        eligible_shops=len(shops),
        inserted=len(dispatches),
        sent=len(outcome.sent),
        send_failed=len(outcome.failed),
        skipped_shop_ids=skipped,
        outside_window=outside_window,
    )
