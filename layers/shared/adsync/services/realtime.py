"""The realtime sync of one shop: today's data, asking only what can have changed.

The plan and its arguments from the Shopee doc are in `activity.py`. Steps are one
Shopee call each; their rows are kept in memory and written, with the cursor, in one
statement (`RealtimeStore.commit`): when the job completes, when the Lambda's time runs
low, when many rows are pending, and when a call fails (so a throttle at list page 11
resumes at page 11). A crash loses only the steps since the last write, and a
re-delivery resumes from the cursor written with their rows.
"""

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, TypeVar

from adsync.db.realtime_store import PendingRows, RealtimeStore
from adsync.errors import LeaseLostError
from adsync.jobs import Job
from adsync.observability import count, logger
from adsync.regions import local_day, region_timezone
from adsync.services import daily, gms
from adsync.services.activity import (
    SETTINGS_REFRESH,
    ActivityState,
    RealtimeCursor,
    Step,
    counts_of,
    digest,
    hours_digest,
    is_due,
    rows_to_write,
)
from adsync.services.deadline import Deadline
from adsync.services.dependencies import Dependencies
from adsync.services.partners import PartnerApi
from adsync.services.plan import runs_during
from adsync.shopee.campaign_settings import ALL_INFO_TYPES
from adsync.shopee.errors import AuthExpiredError, ShopeeError
from adsync.shopee.models import (
    SHOP_METRICS,
    CampaignHourlyMetrics,
    ShopHourlyMetrics,
)
from adsync.shopee.transport import ShopAuth
from adsync.shops import Shop

T = TypeVar("T")
FLUSH_ROWS = 5000  # pending rows that trigger a write before the job ends
# Calls of a step's chunks in flight at once (see `_chunk_reply`).
LOOKAHEAD = 2


class RealtimeSync:
    """One realtime job of one shop, from its cursor to completion or a pause."""

    def __init__(self, *, job: Job, shop: Shop, deps: Dependencies, api: PartnerApi) -> None:
        self.job = job
        self.shop = shop
        self.deps = deps
        self.api = api
        self.store = RealtimeStore(deps.db)
        self.zone = region_timezone(shop.region)
        self.state = ActivityState.from_json(shop.sync_state)
        self.pending = PendingRows()
        self._auth: ShopAuth | None = None
        self._saved_steps = -1
        self._ahead: dict[tuple[Step, tuple[int, ...]], Future[Any]] = {}
        self._fetcher: ThreadPoolExecutor | None = None

    def run(self, deadline: Deadline) -> RealtimeCursor:
        """Run steps until the sync is done or the deadline comes; the cursor reached."""
        try:
            return self._run(deadline)
        finally:
            if self._fetcher is not None:  # a reply fetched ahead of a stop is dropped
                self._fetcher.shutdown(wait=True, cancel_futures=True)

    def _run(self, deadline: Deadline) -> RealtimeCursor:
        cursor = self._start()
        started_steps = cursor.steps
        self.state = self.state.on(cursor.day)
        while not cursor.done:
            if cursor.steps > started_steps and deadline.expired():
                self._save(cursor)
                return cursor
            try:
                cursor = self._step(cursor)
            except ShopeeError:
                self._save(cursor)  # resume at the step that failed, not before it
                raise
            if len(self.pending) >= FLUSH_ROWS:
                self._save(cursor)
        self._save(cursor)
        return cursor

    # -- plumbing ---------------------------------------------------------------------

    def _start(self) -> RealtimeCursor:
        if self.job.cursor and self.job.cursor.get("kind") == "realtime":
            resumed = RealtimeCursor.from_json(self.job.cursor)
            self._saved_steps = resumed.steps
            return replace(resumed, runs=resumed.runs + 1)
        return RealtimeCursor(day=local_day(self.shop.region, self.deps.clock()))

    def _call(self, fn: Callable[[ShopAuth], T]) -> T:
        """One Shopee call with the shop's token, read once per job (refreshed once if
        Shopee rejects it)."""
        tokens = self.api.tokens
        if self._auth is None:
            self._auth = tokens.auth_of(self.shop)
        auth = self._auth
        try:
            return fn(auth)
        except AuthExpiredError:
            self._auth = tokens.replace_rejected(self.shop.shop_id, auth)
        return fn(self._auth)

    def _chunk_reply(
        self, cursor: RealtimeCursor, fetch: Callable[[ShopAuth, tuple[int, ...]], T]
    ) -> T:
        """The reply to `fetch` for the cursor's chunk of campaign ids, the next chunk's
        call started alongside: a big shop's job waits for one reply at a time, not for
        each in turn. Its batch's other records are small shops, done in seconds, after
        which the job would call alone at one reply per latency. Every chunk of a step is
        asked, so nothing is asked in vain unless the job stops midway (its deadline, a
        failed call): the reply fetched ahead is then dropped."""
        chunks = cursor.chunks()
        if self._auth is None:
            self._auth = self.api.tokens.auth_of(self.shop)  # here, not in two threads
        for ids in chunks[cursor.index + 1 : cursor.index + LOOKAHEAD]:
            if (cursor.step, ids) not in self._ahead:
                if self._fetcher is None:
                    self._fetcher = ThreadPoolExecutor(LOOKAHEAD - 1, "realtime-ahead")
                call = partial(self._call, _asking(fetch, ids))
                # The call's time limit and log keys travel with it (context variables).
                context = contextvars.copy_context()
                self._ahead[(cursor.step, ids)] = self._fetcher.submit(context.run, call)
        ahead = self._ahead.pop((cursor.step, chunks[cursor.index]), None)
        if ahead is not None:
            return ahead.result()  # type: ignore[no-any-return]
        return self._call(_asking(fetch, chunks[cursor.index]))

    def _save(self, cursor: RealtimeCursor) -> None:
        if cursor.steps == self._saved_steps and not cursor.done:
            return
        done = cursor.done
        ok = self.store.commit(
            job_id=self.job.id,
            dispatch_id=self.job.dispatch_id,
            shop_id=self.shop.shop_id,
            rows=self.pending,
            cursor=cursor.to_json(),
            complete=done,
            stats=cursor.stats(),
            sync_state=self._final_state(cursor).to_json() if done else None,
            campaign_count=len(cursor.listed) if cursor.listed is not None else None,
            now=self.deps.clock(),
        )
        if not ok:
            # Our lease was taken over (we outlived it): the new owner writes the rows.
            raise LeaseLostError(f"job {self.job.id} is no longer ours; rows not written")
        self.pending = PendingRows()
        self._saved_steps = cursor.steps

    def _final_state(self, cursor: RealtimeCursor) -> ActivityState:
        state, now = self.state, self.deps.clock()
        checked_at, agreed = state.daily_check_after(cursor, now=now)
        return ActivityState(
            day=cursor.day,
            shop_digest=cursor.shop_digest,
            campaigns={**state.campaigns, **cursor.digests},
            previous=state.previous,
            settings_at=now if cursor.full else state.settings_at,
            gms_digest=state.gms_digest if cursor.gms_digest is None else cursor.gms_digest,
            daily_checked_at=checked_at,
            daily_agreed=agreed,
        )

    # -- steps ------------------------------------------------------------------------

    def _step(self, cursor: RealtimeCursor) -> RealtimeCursor:
        handler = {
            Step.SHOP_HOURLY: self._shop_hourly,
            Step.SHOP_HOURLY_AGAIN: self._shop_hourly_again,
            Step.HOURLY: self._hourly,
            Step.LIST: self._list,
            Step.SETTINGS: self._settings,
            Step.EXTRA_HOURLY: self._hourly,
            Step.DAILY: self._daily,
            Step.SHOP_DAILY: self._shop_daily,
            Step.GMS: self._gms,
            Step.GMS_DELETED: self._gms_deleted,
        }[cursor.step]
        return handler(cursor)

    def _shop_hourly(self, cursor: RealtimeCursor) -> RealtimeCursor:
        day, state = cursor.day, self.state
        rows = self._call(lambda auth: self.api.client.get_shop_hourly_performance(auth, day=day))
        shop_digest = digest(rows, ("performance_date", "hour"), SHOP_METRICS)
        shop_id, now = self.shop.shop_id, self.deps.clock()
        full = is_due(last_at=state.settings_at, shop_id=shop_id, now=now, every=SETTINGS_REFRESH)
        derive = state.derives_daily(shop_id=shop_id, now=now)
        changed = state.day != day or shop_digest != state.shop_digest or not state.shop_digest
        after = cursor.counted(
            rows=len(rows),
            shop_digest=shop_digest,
            shop_changed=changed,
            shop_hours={r.hour: counts_of(r) for r in rows},
            asked=state.asked_first(),
            full=full,
            derive=derive,
            check=not derive and state.daily_check_due(shop_id=shop_id, now=now),
        )
        if not changed and not full:
            # Nothing of today's CPC data can have changed (GMS is not in these totals).
            return replace(after, step=Step.GMS)
        self.pending.shop_hourly.extend(rows)
        after = self._shop_day(after, rows)
        if full:
            # Every running campaign is asked after the settings say which run today.
            return replace(after, step=Step.LIST, index=0, fallback=True, listed=(), asked=())
        return self._next_after_hourly(replace(after, step=Step.HOURLY, index=0))

    def _shop_hourly_again(self, cursor: RealtimeCursor) -> RealtimeCursor:
        """An hour ended after the shop's reply was read: read it again, so that the
        check compares like with like and the shop's rows are as new as the campaigns'."""
        day = cursor.day
        rows = self._call(lambda auth: self.api.client.get_shop_hourly_performance(auth, day=day))
        self.pending.shop_hourly = list(rows)  # one row per key in one upsert
        step = Step.EXTRA_HOURLY if cursor.fallback else Step.HOURLY
        after = cursor.counted(
            rows=len(rows),
            reread=True,
            shop_changed=True,
            shop_digest=digest(rows, ("performance_date", "hour"), SHOP_METRICS),
            shop_hours={r.hour: counts_of(r) for r in rows},
            step=step,
        )
        after = self._shop_day(after, rows)
        return self._next_after_hourly(replace(after, index=len(after.chunks())))

    def _hourly(self, cursor: RealtimeCursor) -> RealtimeCursor:
        day = cursor.day
        rows = self._chunk_reply(
            cursor,
            lambda auth, ids: self.api.client.get_campaign_hourly_performance(
                auth, campaign_ids=ids, day=day
            ),
        )
        sums = dict(cursor.sums)
        by_campaign: dict[int, list[CampaignHourlyMetrics]] = {}
        for row in rows:
            by_campaign.setdefault(row.campaign_id, []).append(row)
            total = sums.get(row.hour, (0, 0, 0, 0))
            sums[row.hour] = tuple(a + b for a, b in zip(total, counts_of(row), strict=True))  # type: ignore[assignment]
        digests, expected = dict(cursor.digests), dict(cursor.expected)
        for campaign_id, campaign_rows in by_campaign.items():
            digests[campaign_id] = hours_digest(campaign_rows)
            if not self.state.changed(campaign_id, digests[campaign_id]):
                continue  # unchanged: its hourly and daily rows are the ones written before
            seen = self.state.campaigns.get(campaign_id)
            self.pending.campaign_hourly.extend(rows_to_write(seen, campaign_rows))
            day_row = daily.campaign_day(campaign_rows)
            if cursor.derive:
                self.pending.campaign_daily.append(day_row)
            elif cursor.check and len(campaign_rows) > 1:
                expected[campaign_id] = daily.day_digest(day_row)
        after = cursor.counted(
            rows=len(rows), sums=sums, digests=digests, expected=expected, index=cursor.index + 1
        )
        return self._next_after_hourly(after)

    def _next_after_hourly(self, cursor: RealtimeCursor) -> RealtimeCursor:
        if cursor.index < len(cursor.chunks()):
            return cursor
        if not cursor.reread and cursor.shop_reply_older():
            return replace(cursor, step=Step.SHOP_HOURLY_AGAIN, index=0)
        if not cursor.adds_up() and not cursor.fallback:
            # A campaign we did not ask had activity today: read the list, ask the rest.
            return replace(cursor, step=Step.LIST, index=0, fallback=True, listed=())
        state = self.state
        changed = tuple(sorted(c for c, d in cursor.digests.items() if state.changed(c, d)))
        if changed and not cursor.derive:  # derived: their daily rows are pending already
            return replace(cursor, step=Step.DAILY, index=0, changed=changed)
        return self._to_shop_daily(replace(cursor, changed=changed))

    def _to_shop_daily(self, cursor: RealtimeCursor) -> RealtimeCursor:
        # A shop without hours today has no daily row to derive: asked, as before.
        asked = cursor.shop_changed and not (cursor.derive and cursor.shop_hours)
        return replace(cursor, step=Step.SHOP_DAILY if asked else Step.GMS, index=0)

    def _shop_day(self, cursor: RealtimeCursor, rows: list[ShopHourlyMetrics]) -> RealtimeCursor:
        """The shop's daily row as the sum of its hours: pending when derived, else the
        fingerprint to compare with Shopee's when a check is due ("" when none)."""
        if not rows:
            return replace(cursor, shop_expected="")
        day_row = daily.shop_day(rows)
        if cursor.derive:
            self.pending.shop_daily = [day_row]  # one row per key in one upsert
        is_evidence = cursor.check and len(rows) > 1
        return replace(cursor, shop_expected=daily.day_digest(day_row) if is_evidence else "")

    def _list(self, cursor: RealtimeCursor) -> RealtimeCursor:
        listed = cursor.listed or ()
        page = self._call(
            lambda auth: self.api.client.get_campaign_id_page(auth, offset=len(listed))
        )
        listed = listed + tuple(ref.campaign_id for ref in page.refs)
        after = cursor.counted(rows=0, listed=listed, index=cursor.index + 1)
        if page.has_next_page:
            return after
        unique = tuple(sorted(set(listed)))
        new: tuple[int, ...] = unique
        extra: tuple[int, ...] = ()
        if not cursor.full:
            schedules = {
                s.campaign_id: s for s in RealtimeStore(self.deps.db).schedules(self.shop.shop_id)
            }
            start, end = self._day_bounds(cursor.day)
            asked = set(cursor.asked)
            new = tuple(c for c in unique if c not in schedules)
            extra = tuple(
                c
                for c in unique
                if c in schedules
                and c not in asked
                and runs_during(
                    start_time=schedules[c].start_time,
                    end_time=schedules[c].end_time,
                    day_start=start,
                    day_end=end,
                )
            )
        after = replace(after, listed=unique, list_done=True, new=new, extra=extra, index=0)
        if new:
            return replace(after, step=Step.SETTINGS)
        return self._to_extra(after)

    def _settings(self, cursor: RealtimeCursor) -> RealtimeCursor:
        ids = cursor.chunks()[cursor.index]
        settings = self._call(
            lambda auth: self.api.client.get_campaign_settings(
                auth, campaign_ids=ids, info_types=ALL_INFO_TYPES
            )
        )
        self.pending.campaigns.extend(settings)
        start, end = self._day_bounds(cursor.day)
        asked = set(cursor.asked)
        running = tuple(
            s.campaign_id
            for s in settings
            if s.campaign_id not in asked
            and (
                s.common_info is None
                or runs_during(
                    start_time=s.common_info.campaign_duration.starts_at,
                    end_time=s.common_info.campaign_duration.ends_at,
                    day_start=start,
                    day_end=end,
                )
            )
        )
        after = cursor.counted(
            rows=len(settings), index=cursor.index + 1, extra=cursor.extra + running
        )
        if after.index < len(after.chunks()):
            return after
        return self._to_extra(after)

    def _to_extra(self, cursor: RealtimeCursor) -> RealtimeCursor:
        extra = tuple(sorted(set(cursor.extra)))
        return self._next_after_hourly(
            replace(cursor, step=Step.EXTRA_HOURLY, index=0, extra=extra)
        )

    def _daily(self, cursor: RealtimeCursor) -> RealtimeCursor:
        ids = cursor.chunks()[cursor.index]
        day = cursor.day
        rows = self._chunk_reply(
            cursor,
            lambda auth, ids: self.api.client.get_campaign_daily_performance(
                auth, campaign_ids=ids, start=day, end=day
            ),
        )
        self.pending.campaign_daily.extend(rows)
        after = cursor.counted(rows=len(rows), index=cursor.index + 1)
        if cursor.check:
            got = {row.campaign_id: daily.day_digest(row) for row in rows}
            pairs = [(c, cursor.expected[c], got.get(c)) for c in ids if c in cursor.expected]
            after = self._compared(after, pairs)
        if after.index < len(after.chunks()):
            return after
        return self._to_shop_daily(after)

    def _shop_daily(self, cursor: RealtimeCursor) -> RealtimeCursor:
        day = cursor.day
        rows = self._call(
            lambda auth: self.api.client.get_shop_daily_performance(auth, start=day, end=day)
        )
        self.pending.shop_daily.extend(rows)
        after = cursor.counted(rows=len(rows))
        if cursor.check and cursor.shop_expected:
            got = next((daily.day_digest(r) for r in rows if r.performance_date == day), None)
            after = self._compared(after, [(0, cursor.shop_expected, got)])
        return replace(after, step=Step.GMS, index=0)

    def _compared(
        self, cursor: RealtimeCursor, pairs: list[tuple[int, str, str | None]]
    ) -> RealtimeCursor:
        """`cursor.compared(pairs)`, counted and logged the first time a row differs."""
        after = cursor.compared(pairs)
        if after.disagreed and not cursor.disagreed:
            count("DailyChecksDisagreed")
            logger.warning(
                "Shopee's daily rows are not the sums of their hours: asked every cycle",
                shop_id=self.shop.shop_id,
                day=cursor.day.isoformat(),
                rows=[key for key, expected, got in pairs if got != expected][:10],  # 0: shop
            )
        return after

    def _gms(self, cursor: RealtimeCursor) -> RealtimeCursor:
        """Today's GMS reports, written at once in one statement (idempotent upserts: a
        re-run of this step writes the same rows again)."""
        deps, shop_id = self.deps, self.shop.shop_id
        if not gms.gms_due(self.shop, deps.clock()):
            return replace(cursor, step=Step.DONE, index=0)
        fetched = gms.fetch_day(
            call=self._call,
            shopee=self.api.client,
            store=deps.gms,
            shop_id=shop_id,
            day=cursor.day,
            last_digest=self.state.gms_digest,
        )
        if not fetched.unchanged:  # the report last written: no round trip
            gms.write_day(deps.gms, shop_id=shop_id, fetched=fetched, now=deps.clock())
        after = cursor.counted(rows=fetched.rows, calls=fetched.calls, index=0)
        more = cursor.full and not fetched.refused
        step = Step.GMS_DELETED if more else Step.DONE
        return replace(after, step=step, gms_digest=fetched.digest)

    def _gms_deleted(self, cursor: RealtimeCursor) -> RealtimeCursor:
        deps, shop_id = self.deps, self.shop.shop_id
        fetched = gms.fetch_deleted(call=self._call, shopee=self.api.client)
        gms.write_deleted(deps.gms, shop_id=shop_id, fetched=fetched, now=deps.clock())
        rows = len(fetched.items.item_ids) if fetched.items else 0
        return replace(cursor.counted(rows=rows), step=Step.DONE, index=0)

    def _day_bounds(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, time.min, self.zone)
        return start, datetime.combine(day + timedelta(days=1), time.min, self.zone)


def _asking[R](
    fetch: Callable[[ShopAuth, tuple[int, ...]], R], ids: tuple[int, ...]
) -> Callable[[ShopAuth], R]:
    """`fetch` for these campaign ids, as `_call` takes it."""
    return lambda auth: fetch(auth, ids)
