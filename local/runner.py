"""The local main job: one full sync cycle through the real handlers on one machine.

enqueue (the Scheduler's realtime tick) -> moto SQS -> emulated event source mapping
-> worker (batches of 10, partial failures honoured) -> Postgres, until every job is
finished, then a summary. Nothing is shortcut: tokens come from the simulator's
/auth/token/get, data from its HTTP API.

By default a run resumes in its database (`adsync_local`, or `database`): jobs a
crashed run left live are requeued (their workers and messages died with it; no
attempt counted) and finish alongside the new tick. `fresh` drops the database
first. A database restart mid-run is waited out: the handlers interrupt their records
(no attempt), and the runner keeps polling and reconciling until Postgres is back.
Ctrl-C stops the pollers (each finishes the batch it holds) and still summarises what
is there, marked `interrupted`; the next run resumes the rest.

With `shopee` (a real Shopee environment) no simulator runs: the shops are the ones
authorized into the database (`adsync shops authorize`), and what only the simulator
can give (its onboarding of fake shops, call counters, ground truth) is skipped, each
named in the summary's `not_checked`.
"""

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from adsync.db.ads_store import AdsStore
from adsync.db.gms_store import GmsStore
from adsync.db.job_store import JobStore
from adsync.db.partner_store import PartnerStore
from adsync.db.shop_store import ShopStore
from adsync.db.totals_store import TotalsStore
from adsync.errors import DatabaseError
from adsync.observability import logger
from adsync.regions import local_day
from local.event_source import Poller
from local.postgres import (
    LOCAL_DATABASE,
    checked_name,
    existing_database,
    fresh_database,
    redacted,
    server_url,
)
from local.progress import RunProgress
from local.simulator import (
    FAKE_PARTNER_KEY_2,
    PartnerApp,
    SimulatorSettings,
    World,
    WorldSettings,
)
from local.stack import QUIET_ENV, LocalStack, ShopeeEndpoint, Transport, local_stack
from local.truth_check import Comparison, compare, compare_totals
from local.world_record import record_source, recorded_source

EVENTS = Path(__file__).resolve().parent.parent / "events"
DEFAULT_WEIGHTS = {3: 20, 2: 10, 1: 5, 0: 2}  # MaximumConcurrency per priority, as deployed
RECONCILE_EVERY_SECONDS = 60.0  # as the deployed schedule
# A run against a real Shopee keeps its shops apart from the simulated fleet's.
REAL_SHOPEE_DATABASE = "adsync_shopee"
# An agency's world: two partner apps, each with its own key; shops alternate between them.
SECOND_PARTNER_ID = 2001888
DEMO_SIMULATOR = SimulatorSettings(
    other_partners=(PartnerApp(partner_id=SECOND_PARTNER_ID, partner_key=FAKE_PARTNER_KEY_2),)
)


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    shops: int = 20
    seed: int = 42
    concurrency: int = 4
    timeout_seconds: float = 600.0
    retry_delay_seconds: int = 2
    event_file: str = "enqueue_realtime.json"
    quiet: bool = True
    transport: Transport = "moto"
    database: str = LOCAL_DATABASE
    fresh: bool = False
    progress: RunProgress | None = None  # fed from the poll loop; None shows nothing
    announce: Callable[[str], None] | None = None  # one line when the polling starts
    shopee: ShopeeEndpoint | None = None  # a real Shopee instead of the simulator


# What a run against a real Shopee does not do, as its summary says.
NOT_CHECKED_ON_REAL_SHOPEE = (
    "simulated shops: none onboarded (the shops are those authorized into the database)",
    "Shopee calls: not counted (the simulator counts them; a real Shopee does not say)",
    "ground truth: not compared (only the simulator knows what Shopee holds)",
)
NO_SHOPS_HINT = (
    "syncing: no active shop in {database}: authorize one with `adsync --database {database} "
    "shops auth-url --redirect URL`, then `adsync --database {database} shops authorize "
    "--shop-id ID --region RR --code CODE` (README, 'Your own Shopee'), and run again"
)


@dataclass(frozen=True, kw_only=True)
class CycleSummary:
    shops: int
    enqueued: int
    jobs_by_status: dict[str, int]
    rows_written: dict[str, int]
    rows_checked: int
    mismatches: list[str]
    batches: int
    records: int
    record_failures: int
    shopee_calls: int | None  # None: not counted (a real Shopee)
    wall_seconds: float
    finished: bool
    database_url: str
    handler_errors: list[str] = field(default_factory=list)
    resumed_jobs: int = 0
    # shop totals vs sums of their parts, beyond rounding (expected ones: Shop Ads,
    # campaigns deleted before the first sync; each checked against the simulator)
    totals_differences: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False  # Ctrl-C: the run stopped early; the next one resumes
    shopee_url: str | None = None  # a real Shopee's base URL; None: the simulator
    not_checked: list[str] = field(default_factory=list)  # what this run could not check

    @property
    def compared(self) -> bool:
        """The ads tables were compared with the simulator's ground truth."""
        return self.shopee_url is None and not self.interrupted

    # Shops per partner app ("<name> (<partner_id>)"): the demo world has two apps.
    shops_by_partner: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        pending = sum(v for k, v in self.jobs_by_status.items() if k != "completed")
        return (
            self.finished
            and not self.interrupted
            and self.shops > 0
            and pending == 0
            and (not self.compared or (self.rows_checked > 0 and not self.mismatches))
        )

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "compared": self.compared}


def _job_counts(stack: LocalStack) -> dict[str, int] | None:
    """Jobs by status; None while the database restarts (or is unreachable)."""
    db = stack.database()
    try:
        return JobStore(db).count_by_status()
    except DatabaseError as exc:
        if not exc.transient:
            raise
        logger.warning("database unavailable; waiting for it", error=str(exc))
        return None
    finally:
        db.close()


def _cycle_done(stack: LocalStack, counts: dict[str, int] | None = None) -> bool:
    """No job pending or processing. A database restarting (or unreachable) is "not yet":
    the run waits it out instead of dying."""
    if counts is None:
        counts = _job_counts(stack)
    if counts is None:
        return False
    return not counts.get("pending") and not counts.get("processing")


class _Reconciler:
    """The every-minute reconcile schedule, run from the poll loop's checks."""

    def __init__(self, stack: LocalStack) -> None:
        self._stack = stack
        self._last = time.monotonic()

    def maybe_run(self) -> None:
        if time.monotonic() - self._last < RECONCILE_EVERY_SECONDS:
            return
        self._last = time.monotonic()
        try:
            self._stack.invoke("maintenance", {"task": "reconcile"})
        except DatabaseError as exc:
            if not exc.transient:
                raise
            logger.warning("reconcile skipped; database unavailable", error=str(exc))


def _requeue_orphans(stack: LocalStack) -> int:
    db = stack.database()
    try:
        return JobStore(db).requeue_orphans(now=stack.now())
    finally:
        db.close()


SHOP_ADS_SHARE = 0.3  # of the shops with campaigns, in `make run`'s world


def prepare_database(options: RunOptions) -> str:
    """The run's database: dropped and recreated with `fresh`, else kept (created if new)."""
    name = checked_name(options.database)
    if options.fresh:
        return fresh_database(server_url(), name)
    return existing_database(server_url(), name)


def today_of_every_shop(stack: LocalStack) -> dict[int, list[date]]:
    now = stack.simulator.now()
    return {s.shop_id: [local_day(s.region, now)] for s in stack.simulator.world.shops}


class ForeignShopsError(Exception):
    """The database holds active shops this run's simulated world does not have."""


def _active_shop_ids(stack: LocalStack) -> list[int]:
    db = stack.database()
    try:
        return [shop.shop_id for shop in ShopStore(db).eligible(now=stack.now())]
    finally:
        db.close()


def source_of(options: RunOptions) -> str:
    """What this run's shops belong to, as recorded in its database."""
    if options.shopee is not None:
        return f"the Shopee at {options.shopee.base_url}"
    return f"the simulated world --shops {options.shops} --seed {options.seed}"


def _check_database(world: World | None, stack: LocalStack, options: RunOptions) -> None:
    """Refuse a database whose shops came from another world (or Shopee) before anything
    runs or changes; else record this run's source in it."""
    db = stack.database()
    try:
        recorded, source = recorded_source(db), source_of(options)
        if recorded is not None and recorded != source:
            raise ForeignShopsError(
                f"database {options.database} was last run with {recorded}, not {source}: "
                "its shops and campaigns mean nothing here. Run with the same options as "
                "before, add --fresh to start over, or use --database NAME for another "
                "database."
            )
        if world is not None:
            _refuse_shops_outside(world, stack, options)  # a database older than the record
        if recorded is None:
            record_source(db, source)
    finally:
        db.close()


def _refuse_shops_outside(world: World, stack: LocalStack, options: RunOptions) -> None:
    """A database kept from a run with other --shops/--seed has shops this simulator has
    never heard of: every one of their syncs would fail. Say so before anything runs."""
    known = {s.shop_id for s in world.shops}
    foreign = [shop_id for shop_id in _active_shop_ids(stack) if shop_id not in known]
    if foreign:
        raise ForeignShopsError(
            f"database {options.database} holds {len(foreign)} active shop(s) that this "
            f"run's simulated world (--shops {options.shops} --seed {options.seed}) does not "
            f"have (e.g. {foreign[0]}), from a run with other --shops/--seed: their syncs "
            "would fail. Run with the same --shops and --seed as before, add --fresh to "
            "start over, or use --database NAME for another database."
        )


def _shopee_calls(stack: LocalStack) -> int | None:
    if stack.simulator is None:
        return None
    return sum(stack.simulator.counters.calls.values())


def run_cycle(options: RunOptions, *, database_url: str | None = None) -> CycleSummary:
    started = time.monotonic()
    # Some shops run Shop Ads, so the totals check shows differences Shopee really has;
    # an agency's world: a quarter of the shops come with one main account's code.
    main_account = (options.shops // 4,) if options.shops >= 8 else ()
    world = (
        None
        if options.shopee is not None
        else World.generate(
            WorldSettings(
                seed=options.seed,
                shop_count=options.shops,
                shop_ads_share=SHOP_ADS_SHARE,
                main_account_sizes=main_account,
            )
        )
    )
    env = {"RETRY_DELAY_SECONDS": str(options.retry_delay_seconds)}
    if options.quiet:
        env.update(QUIET_ENV)
        logger.setLevel("WARNING")  # the handlers' logger exists already
    url = database_url or prepare_database(options)
    with local_stack(
        database_url=url,
        world=world,
        shopee=options.shopee,
        simulator_settings=None if options.shopee is not None else DEMO_SIMULATOR,
        extra_env=env,
        transport=options.transport,
    ) as stack:
        _check_database(world, stack, options)
        resumed = _requeue_orphans(stack)  # before anything runs: every live job is orphaned
        if world is not None:
            stack.onboard_all()  # this run's simulator issues its own tokens
        shops = len(world.shops) if world is not None else len(_active_shop_ids(stack))
        event = json.loads((EVENTS / options.event_file).read_text())
        enqueued = stack.invoke("enqueue", event)
        if resumed:
            stack.invoke("maintenance", {"task": "reconcile"})  # send the requeued jobs
        poller = Poller(
            stack.worker_mappings(DEFAULT_WEIGHTS) + stack.dead_letter_mappings(),
            concurrency=options.concurrency,
        )
        reconciler = _Reconciler(stack)
        progress = options.progress

        def done() -> bool:
            reconciler.maybe_run()
            counts = _job_counts(stack)
            if progress is not None and counts is not None:
                progress.update(
                    jobs_by_status=counts,
                    shopee_calls=_shopee_calls(stack),
                )
            return _cycle_done(stack, counts)

        interrupted = False
        try:
            if options.announce is not None:
                options.announce(
                    f"polling: {enqueued['enqueued']} jobs enqueued; Ctrl-C stops early"
                )
            finished = poller.run_until(done, timeout_seconds=options.timeout_seconds)
        except KeyboardInterrupt:  # run_until has stopped and joined its pollers
            finished, interrupted = False, True
        finally:
            if progress is not None:
                progress.close()
        db = stack.database()
        try:
            by_status = JobStore(db).count_by_status()
            rows = AdsStore(db).count_rows() | GmsStore(db).count_rows()
            by_partner = {
                f"{p.partner.name} ({p.partner.id})": p.shop_count
                for p in PartnerStore(db).overview()
                if p.shop_count
            }
            # Interrupted, most shops are unsynced: a comparison would only list them.
            # A real Shopee has no ground truth to compare with.
            check, first_day = Comparison(), None
            if stack.simulator is not None:
                days = today_of_every_shop(stack)
                first_day = min((d for each in days.values() for d in each), default=None)
                if not interrupted:
                    check = compare(db, stack.simulator, days)
                    # The recorded differences of totals vs their parts, against Shopee's own.
                    totals = compare_totals(db, stack.simulator, days)
                    check.rows_checked += totals.rows_checked
                    check.mismatches.extend(totals.mismatches)
            differences = TotalsStore(db).summary(since_day=first_day) if first_day else []
        finally:
            db.close()
        not_checked = list(NOT_CHECKED_ON_REAL_SHOPEE) if world is None else []
        if shops == 0:
            not_checked.append(NO_SHOPS_HINT.format(database=options.database))
        return CycleSummary(
            shops=shops,
            enqueued=int(enqueued["enqueued"]),
            jobs_by_status=by_status,
            rows_written=rows,
            rows_checked=check.rows_checked,
            mismatches=check.mismatches[:20],
            totals_differences=[asdict(d) for d in differences],
            batches=poller.batches,
            records=poller.records,
            record_failures=poller.failures,
            shopee_calls=_shopee_calls(stack),
            wall_seconds=round(time.monotonic() - started, 2),
            finished=finished,
            database_url=redacted(stack.database_url),  # printed, and in --json
            handler_errors=poller.handler_errors[:5],
            resumed_jobs=resumed,
            interrupted=interrupted,
            shopee_url=options.shopee.base_url if options.shopee is not None else None,
            not_checked=not_checked,
            shops_by_partner=by_partner,
        )
