"""Enqueue: record one job per eligible shop, then send the new ones to their queue.

The row comes first (Postgres is the truth); a send that fails leaves the row pending
and undispatched, which the reconciler re-sends. Duplicate schedule deliveries insert
nothing thanks to the partial unique index. A shop row no job could sync (a region no
marketplace table knows: a hand edit, an older system's row) is skipped, logged and
counted; it never stops the tick for the other shops.
"""

from dataclasses import dataclass
from datetime import timedelta

from adsync.jobs import EnqueueRequest, SyncType
from adsync.observability import count, logger
from adsync.regions import UnknownRegionError, local_day
from adsync.services.dependencies import Dependencies


@dataclass(frozen=True, kw_only=True)
class EnqueueResult:
    eligible_shops: int
    skipped: int
    inserted: int
    sent: int
    send_failed: int


def enqueue(request: EnqueueRequest, deps: Dependencies) -> EnqueueResult:
    now = deps.clock()
    shops = deps.shops.eligible()
    shop_ids: list[int] = []
    days_ago: list[int | None] = []
    target_days = []
    one_day = request.sync_type is SyncType.BACKFILL_DAY
    n = request.days_ago
    skipped = 0
    for shop_id, region in shops:
        try:
            today = local_day(region, now)  # every sync needs the shop's local day
        except UnknownRegionError as exc:
            skipped += 1
            logger.error("shop skipped: its row cannot be synced", shop_id=shop_id, error=str(exc))
            continue
        shop_ids.append(shop_id)
        days_ago.append(n)
        # backfill_day targets one day (part of its dedupe key); the others run "now"
        target_days.append(today - timedelta(days=n or 0) if one_day else None)
    dispatches = deps.jobs.insert_jobs(
        sync_type=request.sync_type.value,
        priority=request.priority,
        shop_ids=shop_ids,
        days_ago=days_ago,
        target_days=target_days,
        now=now,
    )
    outcome = deps.queue.send(dispatches)
    deps.jobs.mark_dispatched(job_ids=outcome.sent, now=now)
    for job_id, reason in outcome.failed:
        logger.warning("send failed; the reconciler will re-send", job_id=job_id, reason=reason)
    count("JobsEnqueued", len(dispatches))
    count("SendFailures", len(outcome.failed))
    count("ShopsSkipped", skipped)
    logger.info(
        "enqueued",
        sync_type=request.sync_type.value,
        priority=request.priority,
        eligible_shops=len(shops),
        skipped=skipped,
        inserted=len(dispatches),
        sent=len(outcome.sent),
    )
    return EnqueueResult(
        eligible_shops=len(shops),
        skipped=skipped,
        inserted=len(dispatches),
        sent=len(outcome.sent),
        send_failed=len(outcome.failed),
    )
