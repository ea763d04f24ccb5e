"""The sync of one shop for one job, as checkpointed steps.

Each step fetches one Shopee call's worth of data (outside any transaction), then
upserts its rows and saves the advanced cursor in one transaction, so a crash loses
at most the step in flight and a re-delivery resumes where the job stopped. The last
step completes the job in the same transaction as its rows: a job is never
`completed` with holes. Between steps the worker's deadline is checked; when time runs
low the sync stops and the job is continued by a fresh message.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol, TypeVar

from adsync.config import ATTRIBUTION_WINDOW_DEFAULT
from adsync.errors import LeaseLostError, ShopNotReadyError
from adsync.jobs import Job, SyncType
from adsync.regions import local_day, region_timezone
from adsync.services import authorization, gms
from adsync.services.activity import RealtimeCursor
from adsync.services.deadline import Deadline
from adsync.services.dependencies import Dependencies
from adsync.services.partners import PartnerApi
from adsync.services.plan import Cursor, Phase, chunk, runs_during
from adsync.services.realtime import RealtimeSync
from adsync.shopee.client import ShopAuth
from adsync.shopee.transport import time_limit
from adsync.shops import Shop, require_ready

T = TypeVar("T")
FULL_BACKFILL_DAYS = 7
ALL_INFO_TYPES = (1, 2, 3, 4)


@dataclass(frozen=True, kw_only=True)
class SyncProgress:
    """How far a job's sync has come: its cursor."""

    cursor: Cursor | RealtimeCursor

    @property
    def finished(self) -> bool:
        """True when the sync is complete."""
        return self.cursor.done


def lookback_days(*, today: date, window_days: int) -> tuple[date, date]:
    """The days a lookback run on the shop-local `today` re-reads: yesterday and the
    `window_days` days before it.

    Orders are attributed up to `window_days` days after a click, so day D can still
    change until D + window_days has ended in the shop's zone. The oldest day of this
    range is that day's last re-read, made on D + window_days + 1: after the window
    closed, whatever hour of the day the schedule fires.
    """
    return today - timedelta(days=window_days + 1), today - timedelta(days=1)


def days_for(
    job: Job, *, region: str, now: datetime, window_days: int = ATTRIBUTION_WINDOW_DEFAULT
) -> tuple[date, date]:
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
        return lookback_days(today=today, window_days=job.days_ago or window_days)
    raise ShopNotReadyError(f"job {job.id} has unknown sync_type {job.sync_type!r}")


def sync_job(
    job: Job, deps: Dependencies, deadline: Deadline, *, shop: Shop | None
) -> SyncProgress:
    """Run steps until the job is complete or the deadline says stop. `shop`: the row
    the claim read with the job (None: there is none)."""
    with time_limit(deadline.seconds_for_calls):
        return _sync(job, deps, deadline, require_ready(shop, job.shop_id))


def _sync(job: Job, deps: Dependencies, deadline: Deadline, shop: Shop) -> SyncProgress:
    # Refused here when the shop has no known partner; no lookup: the row says which.
    api = deps.partner_apis.of(shop.shop_id, shop.partner_id)
    authorization.check_if_due(shop, deps, api)  # one call a week per shop, at most a day
    if job.sync_type == SyncType.REALTIME:
        realtime = RealtimeSync(job=job, shop=shop, deps=deps, api=api)
        return SyncProgress(cursor=realtime.run(deadline))
    if job.cursor:
        resumed = Cursor.from_json(job.cursor)
        cursor = replace(resumed, runs=resumed.runs + 1)
    else:
        start, end = days_for(
            job,
            region=shop.region,
            now=deps.clock(),
            window_days=deps.settings.attribution_window_days,
        )
        cursor = Cursor(start_day=start, end_day=end, gms=gms.gms_due(shop, deps.clock()))
    step = _Step(job=job, shop=shop, deps=deps, api=api)
    while not cursor.done:
        if cursor.steps and deadline.expired():
            return SyncProgress(cursor=cursor)
        cursor = step.run(cursor)
    return SyncProgress(cursor=cursor)


class _Step:
    """One step of one job: fetch, then write rows + cursor (+ completion) atomically."""

    def __init__(self, *, job: Job, shop: Shop, deps: Dependencies, api: PartnerApi) -> None:
        self.job = job
        self.shop = shop
        self.deps = deps
        self.api = api
        self.zone = region_timezone(shop.region)

    def _call(self, fn: Callable[[ShopAuth], T]) -> T:
        return self.api.tokens.call(self.shop.shop_id, fn)

    def run(self, cursor: Cursor) -> Cursor:
        handler = {
            Phase.LIST: self._list,
            Phase.SETTINGS: self._settings,
            Phase.DAILY: self._daily,
            Phase.HOURLY: self._hourly,
            Phase.SHOP_DAILY: self._shop_daily,
            Phase.SHOP_HOURLY: self._shop_hourly,
            Phase.GMS: self._gms,
            Phase.GMS_DELETED: self._gms_deleted,
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
        page = self._call(lambda auth: self.api.client.get_campaign_id_page(auth, offset=offset))
        ids = cursor.campaign_ids + tuple(r.campaign_id for r in page.refs)
        if page.has_next_page:
            more = replace(cursor, campaign_ids=ids, calls=cursor.calls + 1, steps=cursor.steps + 1)
            return self._commit(more, lambda now: None)
        unique = tuple(sorted(set(ids) | set(self._remembered(cursor))))
        return self._commit(cursor.advanced(calls=1, rows=0, campaign_ids=unique), lambda now: None)

    def _remembered(self, cursor: Cursor) -> tuple[int, ...]:
        """Campaigns earlier syncs saw on these days: a campaign deleted since is gone
        from the id list, yet orders attributed to its clicks still land for 7 days."""
        return self.deps.ads.remembered_campaign_ids(
            shop_id=self.shop.shop_id,
            start_day=cursor.start_day,
            end_day=cursor.end_day,
            listed_since=datetime.combine(cursor.start_day, time.min, self.zone),
        )

    def _settings(self, cursor: Cursor) -> Cursor:
        ids = chunk(cursor.campaign_ids)[cursor.index]
        settings = self._call(
            lambda auth: self.api.client.get_campaign_settings(
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
        ids, (start, end) = _chunk_at(cursor, cursor.windows())
        rows = self._call(
            lambda auth: self.api.client.get_campaign_daily_performance(
                auth, campaign_ids=ids, start=start, end=end
            )
        )
        return self._store(cursor, rows, self.deps.ads.upsert_campaign_daily)

    def _hourly(self, cursor: Cursor) -> Cursor:
        ids, day = _chunk_at(cursor, cursor.days())
        rows = self._call(
            lambda auth: self.api.client.get_campaign_hourly_performance(
                auth, campaign_ids=ids, day=day
            )
        )
        return self._store(cursor, rows, self.deps.ads.upsert_campaign_hourly)

    def _shop_daily(self, cursor: Cursor) -> Cursor:
        start, end = cursor.windows()[cursor.index]
        rows = self._call(
            lambda auth: self.api.client.get_shop_daily_performance(auth, start=start, end=end)
        )
        return self._store(cursor, rows, self.deps.ads.upsert_shop_daily)

    def _shop_hourly(self, cursor: Cursor) -> Cursor:
        day = cursor.days()[cursor.index]
        rows = self._call(lambda auth: self.api.client.get_shop_hourly_performance(auth, day=day))
        return self._store(cursor, rows, self.deps.ads.upsert_shop_hourly)

    def _store(self, cursor: Cursor, rows: Sequence[object], upsert: "Upsert") -> Cursor:
        """Commit one performance step: its rows through `upsert`, the cursor a call on."""
        return self._commit(
            cursor.advanced(calls=1, rows=len(rows)),
            lambda now: upsert(shop_id=self.shop.shop_id, rows=rows, synced_at=now),
        )

    def _gms(self, cursor: Cursor) -> Cursor:
        day = cursor.days()[cursor.index]
        deps, shop_id = self.deps, self.shop.shop_id
        fetched = gms.fetch_day(
            call=self._call, shopee=self.api.client, store=deps.gms, shop_id=shop_id, day=day
        )
        # A refusal is the shop's state: recorded, and no more GMS calls in this job.
        changes = {"gms": False} if fetched.refused else {}
        return self._commit(
            cursor.advanced(calls=fetched.calls, rows=fetched.rows, **changes),
            lambda now: gms.write_day(deps.gms, shop_id=shop_id, fetched=fetched, now=now),
        )

    def _gms_deleted(self, cursor: Cursor) -> Cursor:
        deps, shop_id = self.deps, self.shop.shop_id
        fetched = gms.fetch_deleted(call=self._call, shopee=self.api.client)
        rows = len(fetched.items.item_ids) if fetched.items else 0
        return self._commit(
            cursor.advanced(calls=1, rows=rows),
            lambda now: gms.write_deleted(deps.gms, shop_id=shop_id, fetched=fetched, now=now),
        )


class Upsert(Protocol):
    """An AdsStore upsert of performance rows."""

    def __call__(self, *, shop_id: int, rows: Sequence[object], synced_at: datetime) -> int: ...


def _chunk_at[S](cursor: Cursor, spans: Sequence[S]) -> tuple[tuple[int, ...], S]:
    """The ids and the span (a window, a day) of the step at `cursor.index`: every chunk
    of ids for the first span, then for the next."""
    id_chunks = chunk(cursor.perf_ids)
    return id_chunks[cursor.index % len(id_chunks)], spans[cursor.index // len(id_chunks)]
