"""Operator operations: one implementation each, for the console on this machine and
for the admin Lambda inside the VPC (adsync.services.admin_commands parses and routes).

Reads the fleet (status, freshness, jobs, shops, budgets) and steers it (redrive failed
jobs, reset stuck ones, sync now, pause and resume shops and the request budget,
authorize shops). Jobs it makes pending are sent at once when it has queues; anything
unsent is left to the reconciler. Takes its time from deps.clock; never returns a token.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from adsync.db.admin_store import BudgetView, JobCount, JobView, StuckJob
from adsync.db.shop_store import ShopOverview
from adsync.db.totals_store import DifferenceCount
from adsync.errors import AdsSyncError, QueueError
from adsync.jobs import Dispatch, EnqueueRequest, SyncType
from adsync.services.authorization import AuthorizationWarnings, warnings
from adsync.services.dependencies import Dependencies
from adsync.services.enqueue import EnqueueResult, enqueue
from adsync.services.onboarding import onboard_shop
from adsync.shops import ShopStatus

PRIORITY_LABELS = {3: "critical", 2: "high", 1: "normal", 0: "low"}
# Freshness histogram bucket edges, in seconds: <15m, 15-30m, 30m-1h, 1-3h, 3-6h, 6-24h, >=1d.
FRESHNESS_EDGES = (900.0, 1800.0, 3600.0, 10800.0, 21600.0, 86400.0)
STALEST_SHOWN = 10
STUCK_SHOWN = 20
BACKFILL_PRIORITY = 3  # a newly authorized shop's last 7 days


class NotFoundError(AdsSyncError):
    """No such job, shop or request budget."""


class NotAllowedError(AdsSyncError):
    """The operation does not apply to the thing in its current state."""


@dataclass(frozen=True, kw_only=True)
class QueueStatus:
    """One priority's queue: SQS's counts and the jobs waiting in the table."""

    priority: int
    label: str
    visible: int | None  # SQS's counts (None: the queue could not be read)
    in_flight: int | None
    delayed: int | None
    waiting_jobs: int  # due pending jobs sent to this queue
    unsent_jobs: int  # due pending jobs the reconciler has yet to send
    oldest_waiting_seconds: float | None  # the longest a due job of this priority has waited
    # The priority's DLQ (None: not configured or unreadable). Should be 0: dead_letter
    # marks each message's job failed and deletes it within seconds.
    dead_letter_visible: int | None
    dead_letter_in_flight: int | None  # being handled by dead_letter right now


@dataclass(frozen=True, kw_only=True)
class HistogramBucket:
    """How many active shops were last synced within one age range."""

    min_seconds: float
    max_seconds: float | None  # None: no upper edge
    shops: int


@dataclass(frozen=True, kw_only=True)
class StaleShop:
    """An active shop among those synced longest ago."""

    shop_id: int
    region: str
    shop_name: str | None
    last_synced_at: datetime | None  # None: never synced (age counts from when it was added)
    age_seconds: float


@dataclass(frozen=True, kw_only=True)
class Freshness:
    """How fresh the active shops' data is: percentiles, histogram, stalest shops."""

    active_shops: int
    never_synced: int
    daily_from_hours: int  # today's daily rows are the sums of their hours (docs/operations.md)
    daily_disagreed: int  # Shopee's daily rows differed from their hours: asked every cycle
    p50_seconds: float | None
    p95_seconds: float | None
    max_seconds: float | None
    histogram: tuple[HistogramBucket, ...]
    stalest: tuple[StaleShop, ...]


@dataclass(frozen=True, kw_only=True)
class BudgetStatus:
    """Every request budget, with its settings from the configuration."""

    configured_rate_per_second: float | None  # PARTNER_REQUESTS_PER_SECOND (None: no budget)
    budgets: tuple[BudgetView, ...]  # one per partner app, created by its first call


@dataclass(frozen=True, kw_only=True)
class TotalsStatus:
    """Totals that differ from the sum of their parts beyond rounding, on the days from
    `since_day` (the attribution window and the day before: what syncs still re-read).
    Which differences are expected: docs/operations.md, "Totals that reconcile"."""

    since_day: date
    differences: tuple[DifferenceCount, ...]


@dataclass(frozen=True, kw_only=True)
class StatusReport:
    """What `adsync status` shows: jobs, queues, stuck jobs and freshness."""

    now: datetime
    queues: tuple[QueueStatus, ...]
    queue_error: str | None
    jobs: tuple[JobCount, ...]
    stuck_jobs: int
    stuck: tuple[StuckJob, ...]
    budget: BudgetStatus
    freshness: Freshness
    totals: TotalsStatus
    authorizations: AuthorizationWarnings


@dataclass(frozen=True, kw_only=True)
class JobList:
    """The jobs `adsync jobs` lists, and the limit that cut the list."""

    jobs: tuple[JobView, ...]
    limit: int


@dataclass(frozen=True, kw_only=True)
class Redispatch:
    """Jobs made pending again, and how many of them went to their queue right away."""

    matched: int
    job_ids: tuple[int, ...]
    sent: int
    left_for_reconcile: int


@dataclass(frozen=True, kw_only=True)
class SyncResult:
    """What a sync run from the console did."""

    sync_type: str
    priority: int
    eligible_shops: int
    enqueued: int
    sent: int
    send_failed: int
    skipped_shops: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class ShopList:
    """The shops `adsync shops` lists."""

    shops: tuple[ShopOverview, ...]
    authorizations: AuthorizationWarnings


@dataclass(frozen=True, kw_only=True)
class ShopChange:
    """A shop's status before and after a console command."""

    shop_id: int
    status: str
    changed: bool


@dataclass(frozen=True, kw_only=True)
class AuthLink:
    """The authorization link to send a seller, and where it returns."""

    url: str
    redirect: str


@dataclass(frozen=True, kw_only=True)
class Authorized:
    """A shop onboarded from the console."""

    shop: ShopOverview
    backfill_job_id: int | None


def require_schema(deps: Dependencies) -> None:
    """Refuse clearly when the database has not been migrated."""
    if not deps.admin.tables_exist():
        raise NotFoundError(
            "the database has no sync tables yet: apply the migrations first "
            "(`make run` locally; the stack's Migrations resource on AWS)"
        )


def status(deps: Dependencies) -> StatusReport:
    """The fleet's state: jobs by status, queue depths, stuck jobs, freshness."""
    now = deps.clock()
    waiting = deps.admin.waiting_by_priority(now=now)
    depths, dead_letters, errors = {}, {}, []
    try:
        depths = {d.priority: d for d in deps.queue.depths()}
    except (QueueError, AdsSyncError) as exc:
        errors.append(str(exc))
    try:
        dead_letters = {d.priority: d for d in deps.queue.dead_letter_depths()}
    except (QueueError, AdsSyncError) as exc:
        errors.append(str(exc))
    queues = []
    for priority in sorted(PRIORITY_LABELS, reverse=True):
        depth, jobs = depths.get(priority), waiting.get(priority)
        dead = dead_letters.get(priority)
        oldest = jobs.oldest_since if jobs else None
        queues.append(
            QueueStatus(
                priority=priority,
                label=PRIORITY_LABELS[priority],
                visible=depth.visible if depth else None,
                in_flight=depth.in_flight if depth else None,
                delayed=depth.delayed if depth else None,
                waiting_jobs=jobs.sent if jobs else 0,
                unsent_jobs=jobs.unsent if jobs else 0,
                oldest_waiting_seconds=(now - oldest).total_seconds() if oldest else None,
                dead_letter_visible=dead.visible if dead else None,
                dead_letter_in_flight=dead.in_flight if dead else None,
            )
        )
    stuck_total, stuck = deps.admin.stuck_jobs(now=now, limit=STUCK_SHOWN)
    return StatusReport(
        now=now,
        queues=tuple(queues),
        queue_error="; ".join(errors) or None,
        jobs=tuple(deps.admin.jobs_by_status_and_type()),
        stuck_jobs=stuck_total,
        stuck=tuple(stuck),
        budget=budget_status(deps),
        freshness=freshness(deps, now),
        totals=totals_status(deps, now),
        authorizations=warnings(deps, now),
    )


def totals_status(deps: Dependencies, now: datetime) -> TotalsStatus:
    """Totals that differ from their parts beyond rounding, since the attribution window began."""
    since = now.date() - timedelta(days=deps.settings.attribution_window_days + 1)
    return TotalsStatus(since_day=since, differences=tuple(deps.totals.summary(since_day=since)))


def freshness(deps: Dependencies, now: datetime) -> Freshness:
    """How long ago the active shops were synced, at `now`."""
    stats = deps.admin.freshness(now=now)
    counts = deps.admin.freshness_histogram(now=now, bounds=FRESHNESS_EDGES)
    edges = (0.0, *FRESHNESS_EDGES)
    histogram = tuple(
        HistogramBucket(
            min_seconds=low,
            max_seconds=edges[n + 1] if n + 1 < len(edges) else None,
            shops=counts.get(n, 0),  # width_bucket: 0 below the first edge, n from edge n
        )
        for n, low in enumerate(edges)
    )
    stalest = tuple(
        StaleShop(
            shop_id=s.shop_id,
            region=s.region,
            shop_name=s.shop_name,
            last_synced_at=s.last_synced_at,
            age_seconds=(now - s.since).total_seconds(),
        )
        for s in deps.admin.stalest_shops(limit=STALEST_SHOWN)
    )
    return Freshness(
        active_shops=stats.shops,
        never_synced=stats.never_synced,
        daily_from_hours=stats.daily_from_hours,
        daily_disagreed=stats.daily_disagreed,
        p50_seconds=stats.p50_seconds,
        p95_seconds=stats.p95_seconds,
        max_seconds=stats.max_seconds,
        histogram=histogram,
        stalest=stalest,
    )


def list_jobs(
    deps: Dependencies,
    *,
    limit: int,
    status: str | None = None,
    shop_id: int | None = None,
    sync_type: str | None = None,
    since: datetime | None = None,
) -> JobList:
    """The newest jobs matching the filters."""
    jobs = deps.admin.list_jobs(
        limit=limit, status=status, shop_id=shop_id, sync_type=sync_type, since=since
    )
    return JobList(jobs=tuple(jobs), limit=limit)


def show_job(deps: Dependencies, job_id: int) -> JobView:
    """One job; BadEventError if there is no such job."""
    jobs = deps.admin.list_jobs(limit=1, job_id=job_id)
    if not jobs:
        raise NotFoundError(f"no job {job_id}")
    return jobs[0]


def send_jobs(deps: Dependencies, dispatches: tuple[Dispatch, ...] | list[Dispatch]) -> int:
    """Send what can be sent now; the reconciler picks up the rest (dispatched_at NULL)."""
    if not dispatches or not deps.settings.queue_urls:
        return 0
    outcome = deps.queue.send(dispatches)
    deps.jobs.mark_dispatched(job_ids=outcome.sent, now=deps.clock())
    return len(outcome.sent)


def retry_failed(
    deps: Dependencies,
    *,
    job_ids: tuple[int, ...] | None = None,
    shop_id: int | None = None,
    error: str | None = None,
    since: datetime | None = None,
) -> Redispatch:
    """The redrive that works after dead_letter drained the DLQ: failed rows go back to
    pending with their attempts restored, and are sent again."""
    redrive = deps.admin.retry_failed(
        now=deps.clock(), job_ids=job_ids, shop_id=shop_id, error=error, since=since
    )
    sent = send_jobs(deps, redrive.dispatches)
    return Redispatch(
        matched=redrive.matched,
        job_ids=tuple(d.job_id for d in redrive.dispatches),
        sent=sent,
        left_for_reconcile=len(redrive.dispatches) - sent,
    )


def reset_stuck(
    deps: Dependencies, *, shop_id: int | None = None, grace: timedelta = timedelta(0)
) -> Redispatch:
    """Processing jobs whose lease expired more than `grace` ago go back to the queue."""
    now = deps.clock()
    dispatches = deps.admin.reset_stuck(now=now, lease_dead_before=now - grace, shop_id=shop_id)
    sent = send_jobs(deps, dispatches)
    return Redispatch(
        matched=len(dispatches),
        job_ids=tuple(d.job_id for d in dispatches),
        sent=sent,
        left_for_reconcile=len(dispatches) - sent,
    )


def sync_now(deps: Dependencies, request: EnqueueRequest) -> SyncResult:
    """The enqueue handler's work, for some shops or all, at any priority and days."""
    result: EnqueueResult = enqueue(request, deps)
    return SyncResult(
        sync_type=request.sync_type.value,
        priority=request.priority,
        eligible_shops=result.eligible_shops,
        enqueued=result.inserted,
        sent=result.sent,
        send_failed=result.send_failed,
        skipped_shops=result.skipped_shop_ids,
    )


def list_shops(deps: Dependencies, *, needs_reauth: bool = False) -> ShopList:
    """The shops (only those needing authorization again with `needs_reauth`)."""
    shops = deps.shops.overview()
    if needs_reauth:
        shops = [s for s in shops if s.status is ShopStatus.NEEDS_REAUTH]
    return ShopList(shops=tuple(shops), authorizations=warnings(deps, deps.clock()))


def set_shop_paused(deps: Dependencies, *, shop_id: int, paused: bool) -> ShopChange:
    """Pause an active shop (no more jobs for it) or resume a paused one."""
    target, source = (
        (ShopStatus.PAUSED, ShopStatus.ACTIVE) if paused else (ShopStatus.ACTIVE, ShopStatus.PAUSED)
    )
    changed = deps.admin.set_shop_status(
        shop_id=shop_id,
        status=target.value,
        from_status=source.value,
        reason="paused by an operator" if paused else None,
        now=deps.clock(),
    )
    if changed:
        return ShopChange(shop_id=shop_id, status=target.value, changed=True)
    current = deps.admin.shop_status(shop_id)
    if current is None:
        raise NotFoundError(f"no shop {shop_id}")
    if current == target.value:
        return ShopChange(shop_id=shop_id, status=current, changed=False)
    raise NotAllowedError(
        f"shop {shop_id} is {current}: only an authorization (authorize) makes it active again"
    )


def authorization_link(
    deps: Dependencies, *, redirect: str, partner_id: int | None = None
) -> AuthLink:
    """The link a seller opens to authorize the app (`partner_id`'s; None: the
    deployment's default), returning to `redirect`."""
    client = deps.shopee if partner_id is None else deps.partner_apis.for_partner(partner_id).client
    return AuthLink(url=client.authorization_url(redirect), redirect=redirect)


def authorize_shop(
    deps: Dependencies,
    *,
    shop_id: int,
    region: str,
    code: str,
    shop_name: str | None = None,
    backfill: bool = True,
    partner_id: int | None = None,
) -> Authorized:
    """Trade the redirect's code for tokens, store the shop (active again if it needed
    re-authorization) and record and send its backfill_full job."""
    onboard_shop(
        deps,
        shop_id=shop_id,
        region=region,
        code=code,
        shop_name=shop_name,
        partner_id=partner_id,
    )
    dispatches = []
    if backfill:
        dispatches = deps.jobs.insert_jobs(
            sync_type=SyncType.BACKFILL_FULL.value,
            priority=BACKFILL_PRIORITY,
            shop_ids=[shop_id],
            days_ago=[None],
            target_days=[None],
            now=deps.clock(),
        )
        send_jobs(deps, dispatches)
    shop = next(s for s in deps.shops.overview() if s.shop_id == shop_id)
    return Authorized(shop=shop, backfill_job_id=dispatches[0].job_id if dispatches else None)


def budget_status(deps: Dependencies) -> BudgetStatus:
    """Every request budget and its configured rate."""
    return BudgetStatus(
        configured_rate_per_second=deps.settings.partner_requests_per_second,
        budgets=tuple(deps.admin.budgets()),
    )


def _budget_name(deps: Dependencies, name: str | None) -> str:
    names = [b.name for b in deps.admin.budgets()]
    if name is not None:
        if name not in names:
            raise NotFoundError(f"no request budget {name!r}; known: {', '.join(names) or 'none'}")
        return name
    if len(names) != 1:
        raise NotFoundError(
            "no request budget: none is kept while PARTNER_REQUESTS_PER_SECOND is unset "
            "(the local run sets none), else the first Shopee call creates it"
            if not names
            else f"several request budgets: name one of {', '.join(names)}"
        )
    return names[0]


def pause_budget(deps: Dependencies, *, minutes: int, name: str | None = None) -> BudgetView:
    """No worker calls Shopee until the pause ends (their jobs are deferred, not failed)."""
    now = deps.clock()
    view = deps.admin.set_budget_pause(
        name=_budget_name(deps, name), paused_until=now + timedelta(minutes=minutes), now=now
    )
    if view is None:  # deleted in between
        raise NotFoundError("the request budget disappeared")
    return view


def resume_budget(deps: Dependencies, *, name: str | None = None) -> BudgetView:
    """End a budget's pause (the partner's budget by default)."""
    view = deps.admin.set_budget_pause(
        name=_budget_name(deps, name), paused_until=None, now=deps.clock()
    )
    if view is None:
        raise NotFoundError("the request budget disappeared")
    return view
