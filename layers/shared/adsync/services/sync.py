"""The sync of one shop for one job, as checkpointed steps.

Each step fetches one Shopee call's worth of data (outside any transaction), then
upserts its rows and saves the advanced cursor in one transaction, so a crash loses
at most the step in flight and a re-delivery resumes where the job stopped. The last
step completes the job in the same transaction as its rows: a job is never
`completed` with holes. Between steps the worker's deadline is checked; when time runs
low the sync stops and the job is continued by a fresh message.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from adsync.errors import LeaseLostError, ShopNotReadyError
from adsync.jobs import Job, SyncType
from adsync.regions import local_day, region_timezone
from adsync.services.activity import RealtimeCursor
from adsync.services.deadline import Deadline
from adsync.services.dependencies import Dependencies
from adsync.services.plan import Cursor, Phase, chunk, runs_during
from adsync.services.realtime import RealtimeSync
from adsync.shopee.client import ShopAuth
from adsync.shopee.transport import time_limit
from adsync.shops import Shop, require_ready

T = TypeVar("T")
FULL_BACKFILL_DAYS = 7
DEFAULT_LOOKBACK_DAYS = 7
ALL_INFO_TYPES = (1, 2, 3, 4)


@dataclass(frozen=True, kw_only=True)
class SyncProgress:
    cursor: Cursor | RealtimeCursor

    @property
    def finished(self) -> bool:
        return self.cursor.done


def days_for(job: Job, *, region: str, now: datetime) -> tuple[date, date]:
    """The shop-local days a job covers, decided when its first step runs."""
    today = local_day(region, now)
    if job.sync_type == SyncType.REALTIME:
        return today, today
    if job.sync_type == SyncType.BACKFILL_DAY:
        days_ago = 1 if job.days_ago is None else job.days_ago  # 0 is today, not unset
        day = job.target_day or today - timedelta(days=days_ago)
        return day, day
    if job.sync_type == SyncType.BACKFILL_FULL:
        return today - timedelta(days=FULL_BACKFILL_DAYS - 1), today
    if job.sync_type == SyncType.LOOKBACK:
        return today - timedelta(days=job.days_ago or DEFAULT_LOOKBACK_DAYS), today - timedelta(
            days=1
        )
    raise ShopNotReadyError(f"job {job.id} has unknown sync_type {job.sync_type!r}")


def sync_job(
    job: Job, deps: Dependencies, deadline: Deadline, *, shop: Shop | None
) -> SyncProgress:
    """Run steps until the job is complete or the deadline says stop. `shop`: the row
    the claim read with the job (None: there is none)."""
    with time_limit(deadline.seconds_for_calls):
        return _sync(job, deps, deadline, require_ready(shop, job.shop_id))


def _sync(job: Job, deps: Dependencies, deadline: Deadline, shop: Shop) -> SyncProgress:
    if job.sync_type == SyncType.REALTIME:
        return SyncProgress(cursor=RealtimeSync(job=job, shop=shop, deps=deps).run(deadline))
    if job.cursor:
        resumed = Cursor.from_json(job.cursor)
        cursor = replace(resumed, runs=resumed.runs + 1)
    else:
        start, end = days_for(job, region=shop.region, now=deps.clock())
        cursor = Cursor(start_day=start, end_day=end)
    step = _Step(job=job, shop=shop, deps=deps)
    while not cursor.done:
        if cursor.steps and deadline.expired():
            return SyncProgress(cursor=cursor)
        cursor = step.run(cursor)
    return SyncProgress(cursor=cursor)


class _Step:
    """One step of one job: fetch, then write rows + cursor (+ completion) atomically."""

    def __init__(self, *, job: Job, shop: Shop, deps: Dependencies) -> None:
        self.job = job
        self.shop = shop
        self.deps = deps
        self.zone = region_timezone(shop.region)

    def _call(self, fn: Callable[[ShopAuth], T]) -> T:
        return self.deps.tokens.call(self.shop.shop_id, fn)

    def run(self, cursor: Cursor) -> Cursor:
        handler = {
            Phase.LIST: self._list,
            Phase.SETTINGS: self._settings,
            Phase.DAILY: self._daily,
            Phase.HOURLY: self._hourly,
            Phase.SHOP_DAILY: self._shop_daily,
            Phase.SHOP_HOURLY: self._shop_hourly,
        }[cursor.phase]
        return handler(cursor)

    def _commit(self, cursor: Cursor, write: Callable[[datetime], object]) -> Cursor:
        deps, job = self.deps, self.job
        now = deps.clock()
        with deps.db.transaction():
            write(now)
            if cursor.done:
                ok = deps.jobs.complete(
                    job_id=job.id, dispatch_id=job.dispatch_id, now=now, stats=cursor.stats()
                )
                if ok:
                    deps.shops.mark_synced(
                        shop_id=job.shop_id, campaign_count=len(cursor.campaign_ids), now=now
                    )
            else:
                ok = deps.jobs.save_cursor(
                    job_id=job.id, dispatch_id=job.dispatch_id, cursor=cursor.to_json(), now=now
                )
            if not ok:
                # Our lease was taken over (we outlived it): the new owner writes the rows.
                raise LeaseLostError(f"job {job.id} is no longer ours; step rolled back")
        return cursor

    # -- phases ----------------------------------------------------------------------

    def _list(self, cursor: Cursor) -> Cursor:
        """One page of the id list per step: a throttle at page 11 resumes at page 11."""
        offset = len(cursor.campaign_ids)
        page = self._call(lambda auth: self.deps.shopee.get_campaign_id_page(auth, offset=offset))
        ids = cursor.campaign_ids + tuple(r.campaign_id for r in page.refs)
        if page.has_next_page:
            more = replace(cursor, campaign_ids=ids, calls=cursor.calls + 1, steps=cursor.steps + 1)
            return self._commit(more, lambda now: None)
        unique = tuple(sorted(set(ids)))
        return self._commit(cursor.advanced(calls=1, rows=0, campaign_ids=unique), lambda now: None)

    def _settings(self, cursor: Cursor) -> Cursor:
        ids = chunk(cursor.campaign_ids)[cursor.index]
        settings = self._call(
            lambda auth: self.deps.shopee.get_campaign_settings(
                auth, campaign_ids=ids, info_types=ALL_INFO_TYPES
            )
        )
        day_start = datetime.combine(cursor.start_day, time.min, self.zone)
        day_end = datetime.combine(cursor.end_day + timedelta(days=1), time.min, self.zone)
        wanted = tuple(
            s.campaign_id
            for s in settings
            if s.common_info is None
            or runs_during(
                start_time=s.common_info.campaign_duration.starts_at,
                end_time=s.common_info.campaign_duration.ends_at,
                day_start=day_start,
                day_end=day_end,
            )
        )
        after = cursor.advanced(calls=1, rows=len(settings), perf_ids=cursor.perf_ids + wanted)
        return self._commit(
            after,
            lambda now: self.deps.ads.upsert_campaigns(
                shop_id=self.shop.shop_id, settings=settings, synced_at=now
            ),
        )

    def _daily(self, cursor: Cursor) -> Cursor:
        id_chunks = chunk(cursor.perf_ids)
        window = cursor.windows()[cursor.index // len(id_chunks)]
        ids = id_chunks[cursor.index % len(id_chunks)]
        rows = self._call(
            lambda auth: self.deps.shopee.get_campaign_daily_performance(
                auth, campaign_ids=ids, start=window[0], end=window[1]
            )
        )
        return self._commit(
            cursor.advanced(calls=1, rows=len(rows)),
            lambda now: self.deps.ads.upsert_campaign_daily(
                shop_id=self.shop.shop_id, rows=rows, synced_at=now
            ),
        )

    def _hourly(self, cursor: Cursor) -> Cursor:
        id_chunks = chunk(cursor.perf_ids)
        day = cursor.days()[cursor.index // len(id_chunks)]
        ids = id_chunks[cursor.index % len(id_chunks)]
        rows = self._call(
            lambda auth: self.deps.shopee.get_campaign_hourly_performance(
                auth, campaign_ids=ids, day=day
            )
        )
        return self._commit(
            cursor.advanced(calls=1, rows=len(rows)),
            lambda now: self.deps.ads.upsert_campaign_hourly(
                shop_id=self.shop.shop_id, rows=rows, synced_at=now
            ),
        )

    def _shop_daily(self, cursor: Cursor) -> Cursor:
        start, end = cursor.windows()[cursor.index]
        rows = self._call(
            lambda auth: self.deps.shopee.get_shop_daily_performance(auth, start=start, end=end)
        )
        return self._commit(
            cursor.advanced(calls=1, rows=len(rows)),
            lambda now: self.deps.ads.upsert_shop_daily(
                shop_id=self.shop.shop_id, rows=rows, synced_at=now
            ),
        )

    def _shop_hourly(self, cursor: Cursor) -> Cursor:
        day = cursor.days()[cursor.index]
        rows = self._call(lambda auth: self.deps.shopee.get_shop_hourly_performance(auth, day=day))
        return self._commit(
            cursor.advanced(calls=1, rows=len(rows)),
            lambda now: self.deps.ads.upsert_shop_hourly(
                shop_id=self.shop.shop_id, rows=rows, synced_at=now
            ),
        )
