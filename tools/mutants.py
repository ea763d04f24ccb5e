"""`make mutants`: break each guard on purpose and check that a test notices.

A curated catalog of mutations, one per guard that keeps a job, a shop's tokens, the
data or a deploy safe (claim, dedupe, retries, leases, dispatch, tokens, budget,
mapping, dates, cleanup, dead letter, deploy rules, TLS, poison messages). Each is
applied to a scratch copy of the tracked files (the working tree is never touched),
the tests named for it run there with this venv, and the mutation is *killed* when
they fail. A mutation whose text is no longer in its file is *stale*: the catalog must
follow the code. Exit status 0 only when every mutation is killed.

    python -m tools.mutants            # all of them
    python -m tools.mutants claim tls  # those whose name contains a word
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, kw_only=True)
class Mutation:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


JOBS_SQL = "layers/shared/adsync/db/queries/jobs.sql"
GUARDS = "tests/integration/test_guards.py"
GMS_TESTS = "tests/integration/test_gms_sync.py"
DAILY = "tests/integration/test_daily_from_hours.py"
CLAIMS = "tests/integration/test_claims.py"
CLAIMS_PY = "layers/shared/adsync/services/claims.py"

CATALOG: tuple[Mutation, ...] = (
    Mutation(
        name="claim: any dispatch may claim",
        path=JOBS_SQL,
        old="    WHERE q.dispatch_id = w.dispatch_id\n      AND q.scheduled_at <= :now",
        new="    WHERE q.scheduled_at <= :now",
        tests=(f"{GUARDS}::test_a_stale_message_for_a_pending_job_runs_nothing",),
    ),
    Mutation(
        name="claim: a job not yet due runs",
        path=JOBS_SQL,
        old="      AND q.scheduled_at <= :now\n      AND (q.status = 'pending'",
        new="      AND (q.status = 'pending'",
        tests=("tests/integration/test_seed_sql.py::test_scheduled_at_pushed_later_by_hand_waits",),
    ),
    Mutation(
        name="claim: a live lease is taken over",
        path=JOBS_SQL,
        old="               AND (q.lease_expires_at < :now\n",
        new="               AND (true\n",
        tests=(f"{GUARDS}::test_a_duplicate_message_during_a_live_run_does_not_run_the_job_again",),
    ),
    Mutation(
        name="claim: two jobs of one shop in one batch statement",
        path=JOBS_SQL,
        old="    SELECT DISTINCT ON (c.shop_id) c.id, c.position\n",
        new="    SELECT c.id, c.position\n",
        tests=(f"{CLAIMS}::test_one_statement_claims_one_job_per_shop_and_none_of_a_busy_shop",),
    ),
    Mutation(
        name="claim: a job of a busy shop in a batch statement",
        path=JOBS_SQL,
        old="    WHERE NOT EXISTS (SELECT 1 FROM apishopee_ads_sync_queue AS o\n",
        new="    WHERE true OR EXISTS (SELECT 1 FROM apishopee_ads_sync_queue AS o\n",
        tests=(f"{CLAIMS}::test_one_statement_claims_one_job_per_shop_and_none_of_a_busy_shop",),
    ),
    Mutation(
        name="claim: a batch's records claimed one by one",
        path=CLAIMS_PY,
        old="if len(wanted) < 2 or deps.settings.lease_duration <= remaining:",
        new="if True:",
        tests=(f"{CLAIMS}::test_a_batch_of_one_call_jobs_costs_one_claim_and_a_commit_per_job",),
    ),
    Mutation(
        name="claim: a batch claimed together under leases shorter than the invocation",
        path=CLAIMS_PY,
        old="if len(wanted) < 2 or deps.settings.lease_duration <= remaining:",
        new="if len(wanted) < 2:",
        tests=(
            f"{CLAIMS}::test_with_leases_shorter_than_the_invocation_each_record_claims_its_own",
        ),
    ),
    Mutation(
        name="claim: a batch refused by the running-job index fails its records",
        path=CLAIMS_PY,
        old="    except ShopBusyError:\n        logger.info(",
        new="    except ZeroDivisionError:\n        logger.info(",
        tests=(
            f"{CLAIMS}::"
            "test_a_batch_statement_refused_by_the_running_job_index_claims_each_record_alone",
        ),
    ),
    Mutation(
        name="dedupe: two live jobs per shop, type and day",
        path="layers/shared/adsync/db/migrations/0008_seed_sync_params.sql",
        old="CREATE UNIQUE INDEX apishopee_ads_sync_queue_live_day_uq",
        new="CREATE INDEX apishopee_ads_sync_queue_live_day_uq",
        tests=("tests/integration/test_enqueue.py::test_second_enqueue_inserts_nothing",),
    ),
    Mutation(
        name="retries: the last attempt does not fail the job",
        path=JOBS_SQL,
        old="    status = CASE WHEN CAST(:final AS boolean) OR retry_count + 1 >= max_retries\n",
        new="    status = CASE WHEN CAST(:final AS boolean)\n",
        tests=("tests/integration/test_worker.py::test_retries_then_failed_then_dead_letter",),
    ),
    Mutation(
        name="leases: a claim's lease expires at once",
        path="layers/shared/adsync/services/claims.py",
        old="return now + deps.settings.lease_duration",
        new="return now",
        tests=(f"{GUARDS}::test_a_healthy_run_keeps_its_lease_past_a_minute",),
    ),
    Mutation(
        name="dispatch: a reset row keeps its old dispatch id",
        path="layers/shared/adsync/db/migrations/0002_sync_engine.sql",
        old="    NEW.dispatch_id := gen_random_uuid();",
        new="    NULL;",
        tests=(f"{GUARDS}::test_resetting_a_finished_row_gives_it_a_new_dispatch",),
    ),
    Mutation(
        name="tokens: the spent refresh token is saved again",
        path="layers/shared/adsync/services/tokens.py",
        old="refresh_token=grant.refresh_token,",
        new="refresh_token=shop.refresh_token,",
        tests=(f"{GUARDS}::test_a_second_refresh_uses_the_refresh_token_the_first_one_returned",),
    ),
    Mutation(
        name="dates: TH is UTC+8",
        path="layers/shared/adsync/regions.py",
        old='"TH": Market(time_zone="Asia/Bangkok",',
        new='"TH": Market(time_zone="Asia/Shanghai",',
        tests=(f"{GUARDS}::test_th_and_vn_are_utc_plus_7_where_plus_8_gives_another_date",),
    ),
    Mutation(
        name="dates: CL as a fixed offset (no DST)",
        path="layers/shared/adsync/regions.py",
        old='"CL": Market(time_zone="America/Santiago",',
        new='"CL": Market(time_zone="Etc/GMT+4",',
        tests=("tests/unit/test_regions.py",),
    ),
    Mutation(
        name="dates: a backfill of days_ago 0 syncs yesterday",
        path="layers/shared/adsync/services/sync.py",
        old="days_ago = 1 if job.days_ago is None else job.days_ago",
        new="days_ago = job.days_ago or 1",
        tests=("tests/integration/test_seed_sync_params.py",),
    ),
    Mutation(
        name="mapping: campaign_placement filled from bidding_method",
        path="layers/shared/adsync/db/ads_store.py",
        old='"campaign_placement": common.campaign_placement if common else None,',
        new='"campaign_placement": common.bidding_method if common else None,',
        tests=(
            "tests/integration/test_sync_engine.py"
            "::test_realtime_and_lookback_make_every_table_equal_shopee",
        ),
    ),
    Mutation(
        name="cleanup: live jobs are deleted too",
        path=JOBS_SQL,
        old="WHERE status IN ('completed', 'failed') AND created_at < :cutoff",
        new="WHERE created_at < :cutoff",
        tests=(
            "tests/integration/test_maintenance.py"
            "::test_cleanup_deletes_finished_jobs_older_than_seven_days",
        ),
    ),
    Mutation(
        name="dead letter: a completed job is marked failed",
        path=JOBS_SQL,
        old="WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid)\n"
        "  AND status IN ('pending', 'processing')\nRETURNING id;",
        new="WHERE id = :job_id AND dispatch_id = CAST(:dispatch_id AS uuid)\nRETURNING id;",
        tests=(f"{GUARDS}::test_dead_letter_leaves_a_completed_job_completed",),
    ),
    Mutation(
        name="poison: a dispatch id that is not a UUID reaches SQL",
        path="layers/shared/adsync/jobs.py",
        old="        if canonical is None:\n",
        new="        if canonical is None and False:\n",
        tests=("tests/integration/test_bad_input.py",),
    ),
    Mutation(
        name="deploy: a DLQ without its explicit visibility timeout",
        path="template.yaml",
        old="-priority-0-dlq\n      # dead_letter consumes it: 6 x its 60 s timeout (Lambda refuses"
        " a mapping whose\n      # function timeout exceeds the queue's visibility; SQS's default"
        " is 30 s).\n      VisibilityTimeout: 360\n",
        new="-priority-0-dlq\n",
        tests=("tests/template/test_template_deploy_rules.py",),
    ),
    Mutation(
        name="deploy: reserved concurrency 0 is refused",
        path="layers/shared/adsync/db/preflight.py",
        old="if 0 < reserved < total:",
        new="if reserved < total:",
        tests=("tests/template/test_template_migrate.py",),
    ),
    Mutation(
        name="deploy: more connections than the server admits",
        path="layers/shared/adsync/db/preflight.py",
        old="if needed > facts.client_connections:",
        new="if False:",
        tests=("tests/integration/test_preflight.py",),
    ),
    Mutation(
        name="pool: a connection lent to two threads at once",
        path="layers/shared/adsync/db/pool.py",
        old="            return self._idle.pop(0)",
        new="            return self._idle[0]",
        tests=("tests/integration/test_pool.py",),
    ),
    Mutation(
        name="pool: every connection may hold a transaction (budget deadlock)",
        path="layers/shared/adsync/db/pool.py",
        old="threading.BoundedSemaphore(size - 1)",
        new="threading.BoundedSemaphore(size)",
        tests=("tests/integration/test_pool.py",),
    ),
    Mutation(
        name="pool: budget statements join the thread's transaction",
        path="layers/shared/adsync/db/pool.py",
        old="        with self._borrowed() as session:\n            yield session\n",
        new="        yield self\n",
        tests=("tests/integration/test_pool.py",),
    ),
    Mutation(
        name="pool: each record thread builds its own connections",
        path="layers/shared/adsync/services/worker.py",
        old="handle_record(record, deps, deadline, ahead[n])",
        # each record thread builds dependencies of its own (its own connections)
        new=(
            "handle_record(record, Dependencies(env=deps.env, clock=deps.clock), "
            "deadline, ahead[n])"
        ),
        tests=("tests/integration/test_worker.py",),
    ),
    Mutation(
        name="budget: one reservation per waiting thread",
        path="layers/shared/adsync/services/budget.py",
        old="wanted = max(1, min(self._waiting, MAX_BLOCK))",
        new="wanted = 1",
        tests=("tests/integration/test_pool.py",),
    ),
    Mutation(
        name="budget: a claim brings no slot",
        path="layers/shared/adsync/services/claims.py",
        old="slots_per_job=budget.slots_to_claim(),",
        new="slots_per_job=0,",
        tests=("tests/integration/test_budget.py",),
    ),
    Mutation(
        name="budget: the claim spends the default app's budget on every app's shops",
        path=JOBS_SQL,
        old="JOIN offered AS o ON o.partner_id = COALESCE(s.partner_id, CAST(:default_partner_id",
        new="JOIN offered AS o ON o.partner_id = (CAST(:default_partner_id",
        tests=("tests/integration/test_partners.py::TestTheClaimReservesFromTheShopsOwnApp",),
    ),
    Mutation(
        name="budget: a refresh sleeps for its slot holding a connection",
        path="layers/shared/adsync/services/tokens.py",
        old="with self._prepaid(), self._db.transaction():",
        new="with self._db.transaction():",
        tests=("tests/integration/test_tokens.py",),
    ),
    Mutation(
        name="tls: require falls back to plaintext",
        path="layers/shared/adsync/db/tls.py",
        old="    if mode in (SslMode.ALLOW, SslMode.PREFER):",
        new="    if mode in (SslMode.ALLOW, SslMode.PREFER, SslMode.REQUIRE):",
        tests=("tests/unit/test_tls.py",),
    ),
    Mutation(
        name="tls: verify-full without the host name check",
        path="layers/shared/adsync/db/tls.py",
        old="    context.check_hostname = mode is SslMode.VERIFY_FULL",
        new="    context.check_hostname = False",
        tests=("tests/unit/test_tls.py",),
    ),
    Mutation(
        name="secrets: debug lines of the HTTP library keep the token",
        path="layers/shared/adsync/observability.py",
        old="            record.msg, record.args = redacted, None",
        new="            pass",
        tests=("tests/integration/test_client_transport.py",),
    ),
    Mutation(
        name="gms: a refused shop is asked every cycle",
        path="layers/shared/adsync/services/gms.py",
        old="    if shop.gms_status in (None, ACTIVE) or shop.gms_checked_at is None:\n",
        new="    if True:\n",
        tests=(
            f"{GMS_TESTS}::test_a_shop_not_whitelisted_completes_and_costs_no_gms_call_until_the_recheck",
        ),
    ),
    Mutation(
        name="gms: a refusal does not stop the job's GMS calls",
        path="layers/shared/adsync/services/sync.py",
        old='changes = {"gms": False} if fetched.refused else {}',
        new="changes: dict[str, bool] = {}",
        tests=(
            f"{GMS_TESTS}::test_a_shop_not_whitelisted_completes_and_costs_no_gms_call_until_the_recheck",
        ),
    ),
    Mutation(
        name="gms: not-whitelisted is a failure",
        path="layers/shared/adsync/shopee/errors.py",
        old="    if code in SHOP_STATE_CODES:\n",
        new="    if False:\n",
        tests=(
            f"{GMS_TESTS}::test_a_shop_not_whitelisted_completes_and_costs_no_gms_call_until_the_recheck",
        ),
    ),
    Mutation(
        name="gms: items asked although the day is unchanged",
        path="layers/shared/adsync/services/gms.py",
        old="        and store.same_as_stored(",
        new="        and False and store.same_as_stored(",
        tests=(f"{GMS_TESTS}::test_an_unchanged_gms_day_does_not_ask_its_items_again",),
    ),
    Mutation(
        name="gms: realtime writes an unchanged report again",
        path="layers/shared/adsync/services/gms.py",
        old="    if last_digest == fingerprint:",
        new="    if False:",
        tests=(f"{GMS_TESTS}::test_realtime_writes_an_unchanged_gms_report_only_once",),
    ),
    Mutation(
        name="gms: realtime skips GMS",
        path="layers/shared/adsync/services/realtime.py",
        old="        if not gms.gms_due(self.shop, deps.clock()):",
        new="        if True:",
        tests=(f"{GMS_TESTS}::test_gms_rows_equal_shopee_through_backfill_lookback_and_realtime",),
    ),
    Mutation(
        name="daily: derived without Shopee's agreement",
        path="layers/shared/adsync/services/activity.py",
        old="        return self.daily_agreed and not self.daily_check_due(",
        new="        return True or not self.daily_check_due(",
        tests=(f"{DAILY}::TestAShopeeWhoseDailyRowsAreNotTheSums",),
    ),
    Mutation(
        name="daily: a disagreement is outvoted by agreements",
        path="layers/shared/adsync/services/activity.py",
        old="            disagreed=self.disagreed or differ > 0,",
        new="            disagreed=self.disagreed and differ > 0,",
        tests=("tests/unit/test_daily_rows.py",),
    ),
    Mutation(
        name="daily: money summed as floats",
        path="layers/shared/adsync/services/daily.py",
        old="            totals[name] = float(sum((Decimal(repr(v)) for v in values), Decimal(0)))",
        new="            totals[name] = sum(values)",
        tests=("tests/unit/test_daily_rows.py",),
    ),
    Mutation(
        name="ratios: Shopee's unit stored as sent",
        path="layers/shared/adsync/shopee/models.py",
        old="        tuple((name, *RATIOS[name]) for name in metrics if name in RATIOS),",
        new="        (),",
        tests=(
            "tests/integration/test_money_and_ratios.py::test_ratios_sent_as_fractions_are_stored_as_percentages",
        ),
    ),
    Mutation(
        name="metric rows: a naming field may be missing or unknown",
        path="layers/shared/adsync/shopee/models.py",
        old="        if row.keys() != naming:",
        new="        if False:",
        tests=(
            "tests/unit/test_client_models.py::test_a_metric_row_is_named_by_exactly_its_fields",
        ),
    ),
    Mutation(
        name="metric rows: hours digest fails on a count beyond 64 bits",
        path="layers/shared/adsync/services/activity.py",
        old="    except struct.error:  # a count beyond 64 bits: the text form",
        new="    except ZeroDivisionError:",
        tests=("tests/unit/test_hours_to_write.py",),
    ),
    Mutation(
        name="realtime: a big shop's chunks asked one at a time",
        path="layers/shared/adsync/services/realtime.py",
        old="LOOKAHEAD = 2",
        new="LOOKAHEAD = 1",
        tests=("tests/faults/test_realtime_lookahead.py",),
    ),
    Mutation(
        name="currency: regions lose their currency",
        path="layers/shared/adsync/db/migrate.py",
        old='        if present["has_currency"]:',
        new="        if False:",
        tests=(
            "tests/integration/test_money_and_ratios.py::test_every_region_has_its_currency_and_shops_money_is_grouped_by_it",
        ),
    ),
    Mutation(
        name="agency: a shop is enqueued after its authorization ended",
        path="layers/shared/adsync/db/queries/shops.sql",
        old="authorization_expires_at > :now)",
        new="authorization_expires_at > :now OR true)",
        tests=(
            "tests/integration/test_authorization_expiry.py::"
            "test_an_expiring_shop_keeps_syncing_until_its_last_moment",
        ),
    ),
    Mutation(
        name="agency: the authorization is asked on every sync",
        path="layers/shared/adsync/services/authorization.py",
        old="    if not is_check_due(shop, now):\n        return\n",
        new="",
        tests=("tests/integration/test_authorization_expiry.py",),
    ),
    Mutation(
        name="agency: a refreshed pair is copied to the shops sharing the old one",
        path="layers/shared/adsync/db/queries/shops.sql",
        old="    updated_at = :now\nWHERE shop_id = :shop_id;\n\n-- name: mark_refresh_uncertain",
        new=(
            "    updated_at = :now\nWHERE shop_id = :shop_id OR refresh_token = "
            "(SELECT refresh_token FROM apishopee_shops WHERE shop_id = :shop_id);\n\n"
            "-- name: mark_refresh_uncertain"
        ),
        tests=(
            "tests/integration/test_main_account.py::"
            "test_shops_sharing_a_refresh_token_refresh_side_by_side_without_locking_out",
        ),
    ),
    Mutation(
        name="agency: a main-account shop without info stops the whole onboarding",
        path="layers/shared/adsync/services/onboarding.py",
        old="        except (ShopeeError, UnknownRegionError) as exc:",
        new="        except UnknownRegionError as exc:",
        tests=(
            "tests/integration/test_main_account.py::"
            "test_a_shop_whose_info_cannot_be_read_is_reported_and_the_others_are_stored",
        ),
    ),
    Mutation(
        name="tiers: a critical shop keeps the tick's priority",
        path="layers/shared/adsync/tiers.py",
        old="return max(requested, CRITICAL_PRIORITY) if tier is Tier.CRITICAL else requested",
        new="return requested",
        tests=("tests/integration/test_tiers.py",),
    ),
    Mutation(
        name="tiers: the off-peak window in UTC, not the shop's zone",
        path="layers/shared/adsync/tiers.py",
        old="return now.astimezone(region_timezone(region)).hour in OFF_PEAK_HOURS",
        new="return now.hour in OFF_PEAK_HOURS",
        tests=("tests/integration/test_tiers.py",),
    ),
    Mutation(
        name="tiers: an operator's sync of an off-peak shop waits for its night",
        path="layers/shared/adsync/services/enqueue.py",
        old="        if fleet_tick and not takes:",
        new="        if not takes:",
        tests=("tests/integration/test_tiers.py",),
    ),
    Mutation(
        name="tiers: the database takes any tier name",
        path="layers/shared/adsync/db/migrations/0015_agency_shops.sql",
        old="CHECK (tier IN ('critical', 'normal', 'off_peak'))",
        new="CHECK (tier IS NOT NULL)",
        tests=("tests/integration/test_tiers.py",),
    ),
)


@dataclass(frozen=True, kw_only=True)
class Result:
    mutation: Mutation
    outcome: str  # killed | survived | stale
    seconds: float


def copy_tree(target: Path) -> None:
    """The tracked files (what CI sees), not the venv or caches."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def run_one(tree: Path, mutation: Mutation) -> Result:
    path = tree / mutation.path
    original = path.read_text("utf-8")
    started = time.monotonic()
    if original.count(mutation.old) != 1:
        return Result(mutation=mutation, outcome="stale", seconds=0.0)
    path.write_text(original.replace(mutation.old, mutation.new), "utf-8")
    try:
        env = {**os.environ, "PYTHONPATH": f"{tree / 'layers' / 'shared'}:{tree}"}
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutation.tests],
            cwd=tree,
            env=env,
            capture_output=True,
            check=False,
        )
    finally:
        path.write_text(original, "utf-8")
    outcome = "survived" if tests.returncode == 0 else "killed"
    return Result(mutation=mutation, outcome=outcome, seconds=time.monotonic() - started)


def main(argv: list[str]) -> int:
    chosen = [m for m in CATALOG if not argv or any(w in m.name for w in argv)]
    with tempfile.TemporaryDirectory(prefix="adsync-mutants-") as scratch:
        tree = Path(scratch)
        copy_tree(tree)
        results = []
        for mutation in chosen:
            result = run_one(tree, mutation)
            results.append(result)
            print(f"{result.outcome:8} {result.seconds:6.1f} s  {mutation.name}", flush=True)
    killed = sum(r.outcome == "killed" for r in results)
    print(f"\n{killed} of {len(results)} mutations killed")
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
