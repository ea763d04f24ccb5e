"""`adsync`: every command on real Postgres and SQS (moto), directly and through the
admin Lambda (its `invoke` stubbed at the botocore level), with the --json shape of
docs/operations.md."""

import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from adsync.db.connection import Database
from local.console import cli
from local.simulator import PartnerApp, SimulatorSettings, World, WorldSettings
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.console import PATHS, Outcome, console_runner
from tests.support.sqs import deliver, queue_depth
from tests.support.sync import drain

Run = Callable[..., Outcome]

# The documented --json shapes (docs/operations.md): every key, nothing more.
JOB_KEYS = {
    "id", "shop_id", "sync_type", "priority", "status", "retry_count", "max_retries",
    "days_ago", "target_day", "scheduled_at", "created_at", "started_at", "completed_at",
    "dispatched_at", "lease_expires_at", "error_message", "progress",
}  # fmt: skip
PROGRESS_KEYS = {"phase", "start_day", "end_day", "steps", "calls", "rows", "runs"}
REDISPATCH_KEYS = {"matched", "job_ids", "sent", "left_for_reconcile"}
SHOP_KEYS = {
    "shop_id", "region", "status", "status_reason", "shop_name", "has_token",
    "access_token_expires_at", "refresh_token_expires_at", "last_synced_at", "campaign_count",
    "tier", "main_account_id", "authorization_expires_at", "daily_rows",
}  # fmt: skip
BUDGET_KEYS = {
    "name", "rate_per_second", "burst", "next_slot_at", "paused_until", "strikes",
    "last_pause_at",
}  # fmt: skip


@pytest.fixture(params=PATHS)
def adsync(request: pytest.FixtureRequest, stack: LocalStack, clock: FrozenClock) -> Run:
    run = console_runner(request.param, stack, clock)

    def json_run(*argv: str) -> Outcome:
        return run("--json", *argv)

    return json_run


def ok(outcome: Outcome, command: str) -> dict[str, Any]:
    reply = outcome.reply
    assert set(reply) == {"command", "ok", "result"}, reply
    assert (outcome.code, reply["command"], reply["ok"]) == (0, command, True), reply
    result: dict[str, Any] = reply["result"]
    return result


def refused(outcome: Outcome, command: str | None) -> str:
    reply = outcome.reply
    assert set(reply) == {"command", "ok", "error"}, reply
    assert (outcome.code, reply["command"], reply["ok"]) == (1, command, False)
    error: str = reply["error"]
    return error


def synced_fleet(stack: LocalStack) -> list[int]:
    shop_ids = stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1)
    return shop_ids


def fail_job(db: Database, shop_id: int, error: str, clock: FrozenClock) -> int:
    row = db.one(
        "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority, status, "
        "retry_count, error_message, completed_at, created_at, scheduled_at) "
        "VALUES (:s, 'realtime', 1, 'failed', 3, :e, :now, :now, :now) RETURNING id",
        s=shop_id,
        e=error,
        now=clock(),
    )
    assert row is not None
    return int(row["id"])


def test_status_shows_the_fleet(adsync: Run, stack: LocalStack, clock: FrozenClock) -> None:
    shop_ids = synced_fleet(stack)
    clock.advance(timedelta(minutes=20))
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})

    status = ok(adsync("status"), "status")

    assert set(status) == {
        "now", "queues", "queue_error", "jobs", "stuck_jobs", "stuck", "budget", "freshness",
        "totals", "authorizations",
    }  # fmt: skip
    assert status["now"] == clock().isoformat()
    assert [q["priority"] for q in status["queues"]] == [3, 2, 1, 0]
    normal = status["queues"][2]
    assert normal == {
        "priority": 1,
        "label": "normal",
        "visible": len(shop_ids),
        "in_flight": 0,
        "delayed": 0,
        "waiting_jobs": len(shop_ids),
        "unsent_jobs": 0,
        "oldest_waiting_seconds": 0.0,
        "dead_letter_visible": 0,
        "dead_letter_in_flight": 0,
    }
    assert status["queue_error"] is None
    assert sorted((j["status"], j["count"]) for j in status["jobs"]) == [
        ("completed", len(shop_ids)),
        ("pending", len(shop_ids)),
    ]
    assert (status["stuck_jobs"], status["stuck"]) == (0, [])
    assert set(status["budget"]) == {"configured_rate_per_second", "budgets"}
    fresh = status["freshness"]
    assert set(fresh) == {
        "active_shops", "never_synced", "daily_from_hours", "daily_disagreed", "p50_seconds",
        "p95_seconds", "max_seconds", "histogram", "stalest",
    }  # fmt: skip
    assert (fresh["active_shops"], fresh["never_synced"]) == (len(shop_ids), 0)
    assert fresh["max_seconds"] == fresh["p50_seconds"] == 20 * 60
    assert [b["shops"] for b in fresh["histogram"]] == [0, len(shop_ids), 0, 0, 0, 0, 0]
    assert fresh["histogram"][1] == {"min_seconds": 900.0, "max_seconds": 1800.0, "shops": 12}
    assert len(fresh["stalest"]) == 10
    assert set(fresh["stalest"][0]) == {
        "shop_id", "region", "shop_name", "last_synced_at", "age_seconds",
    }  # fmt: skip


def test_status_shows_each_dlq_s_depth(adsync: Run, stack: LocalStack) -> None:
    """Messages left in a DLQ (dead_letter failing) show on their priority's row."""
    for priority, count in ((3, 2), (0, 1)):
        for n in range(count):
            stack.sqs.send_message(
                QueueUrl=stack.queues.dead_letter_urls[priority], MessageBody=f'{{"job_id": {n}}}'
            )
    held = stack.sqs.receive_message(QueueUrl=stack.queues.dead_letter_urls[0])["Messages"]
    assert len(held) == 1  # now in flight, as while dead_letter handles it

    status = ok(adsync("status"), "status")

    depths = {
        q["priority"]: (q["dead_letter_visible"], q["dead_letter_in_flight"])
        for q in status["queues"]
    }
    assert depths == {3: (2, 0), 2: (0, 0), 1: (0, 0), 0: (0, 1)}
    assert status["queue_error"] is None
    # the priority queues themselves are untouched
    assert {q["visible"] for q in status["queues"]} == {0}


def test_status_counts_stuck_jobs_and_reset_stuck_gives_them_back(
    adsync: Run, stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    (shop_id, *_) = stack.onboard_all()
    db.run(
        "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority, status, "
        "started_at, lease_expires_at, cursor) VALUES (:s, 'realtime', 2, 'processing', "
        ":started, :lease, NULL)",
        s=shop_id,
        started=clock() - timedelta(minutes=20),
        lease=clock() - timedelta(minutes=5),
    )
    before = db.one("SELECT dispatch_id::text AS d FROM apishopee_ads_sync_queue")
    status = ok(adsync("status"), "status")
    assert status["stuck_jobs"] == 1 and status["stuck"][0]["shop_id"] == shop_id

    # a grace longer than the lease's expiry leaves it alone
    assert ok(adsync("reset-stuck", "--grace", "10"), "reset-stuck")["matched"] == 0
    reset = ok(adsync("reset-stuck"), "reset-stuck")

    assert set(reset) == REDISPATCH_KEYS
    assert (reset["matched"], reset["sent"], reset["left_for_reconcile"]) == (1, 1, 0)
    row = db.one("SELECT status, retry_count, dispatch_id::text AS d FROM apishopee_ads_sync_queue")
    assert row is not None and before is not None
    assert (row["status"], row["retry_count"]) == ("pending", 0) and row["d"] != before["d"]
    deliver(stack, 2)
    assert db.one("SELECT status FROM apishopee_ads_sync_queue") == {"status": "completed"}


def test_retry_redrives_failed_jobs_after_the_dlq_drained(
    adsync: Run, stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    first, second, third, *_ = stack.onboard_all()
    timeout = fail_job(db, first, "shopee timeout after 30 s", clock)
    banned = fail_job(db, second, "shop_banned", clock)
    clock.advance(timedelta(hours=3))
    recent = fail_job(db, third, "Timeout", clock)  # failed now, the others 3 h ago

    # no filter: refused, nothing changed
    assert "needs a filter" in refused(adsync("retry"), "retry")
    assert db.one("SELECT count(*) AS n FROM apishopee_ads_sync_queue WHERE status = 'failed'") == {
        "n": 3
    }

    since = (clock() - timedelta(hours=1)).isoformat()
    redriven = ok(adsync("retry", "--error", "TIMEOUT", "--since", since), "retry")
    assert (redriven["matched"], redriven["job_ids"], redriven["sent"]) == (1, [recent], 1)

    result = ok(adsync("retry", "--error", "timeout"), "retry")
    assert result == {"matched": 1, "job_ids": [timeout], "sent": 1, "left_for_reconcile": 0}
    rows = {
        r["id"]: r for r in db.run("SELECT id, status, retry_count FROM apishopee_ads_sync_queue")
    }
    assert (rows[timeout]["status"], rows[timeout]["retry_count"]) == ("pending", 0)
    assert rows[banned]["status"] == "failed"
    assert queue_depth(stack, stack.queues.urls[1]) == 2
    drain(stack, priority=1)
    assert {r["status"] for r in db.run(
        "SELECT status FROM apishopee_ads_sync_queue WHERE id IN (:a, :b)", a=timeout, b=recent
    )} == {"completed"}  # fmt: skip


def test_retry_leaves_a_job_whose_shop_has_a_live_twin(
    adsync: Run, stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    (shop_id, *_) = stack.onboard_all()
    failed = fail_job(db, shop_id, "boom", clock)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1, "shop_ids": [shop_id]})
    result = ok(adsync("retry", "--job", str(failed)), "retry")
    assert (result["matched"], result["job_ids"]) == (1, [])
    assert db.one("SELECT status FROM apishopee_ads_sync_queue WHERE id = :i", i=failed) == {
        "status": "failed"
    }


def test_jobs_lists_with_filters_and_job_shows_the_cursor(
    adsync: Run, stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_ids = synced_fleet(stack)
    failed = fail_job(db, shop_ids[0], "invalid_access_token", clock)

    listed = ok(adsync("jobs", "--status", "failed"), "jobs")
    assert set(listed) == {"jobs", "limit"}
    (job,) = listed["jobs"]
    assert set(job) == JOB_KEYS
    assert (job["id"], job["error_message"]) == (failed, "invalid_access_token")

    by_shop = ok(adsync("jobs", "--shop", str(shop_ids[1]), "--type", "realtime"), "jobs")
    assert [j["shop_id"] for j in by_shop["jobs"]] == [shop_ids[1]]
    since = (clock() + timedelta(seconds=1)).isoformat()
    assert ok(adsync("jobs", "--since", since), "jobs")["jobs"] == []
    assert len(ok(adsync("jobs", "--limit", "5"), "jobs")["jobs"]) == 5

    done = by_shop["jobs"][0]
    shown = ok(adsync("job", str(done["id"])), "job")
    assert shown == done
    assert set(shown["progress"]) == PROGRESS_KEYS
    assert shown["progress"]["phase"] == "done" and shown["progress"]["calls"] > 0
    assert "no job 999999" in refused(adsync("job", "999999"), "job")


def test_sync_now_one_shop_at_a_priority_and_a_backfill_range(
    adsync: Run, stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    first, second, *_ = stack.onboard_all()
    now = ok(adsync("sync", "--shop", str(first), "--shop", "42"), "sync")
    assert now == {
        "sync_type": "realtime",
        "priority": 3,
        "eligible_shops": 1,
        "enqueued": 1,
        "sent": 1,
        "send_failed": 0,
        "skipped_shops": [42],
    }
    assert queue_depth(stack, stack.queues.urls[3]) == 1

    backfill = ok(
        adsync("sync", "--shop", str(second), "--priority", "0", "--backfill", "2026-11-15",
               "2026-11-17"),
        "sync",
    )  # fmt: skip
    assert (backfill["sync_type"], backfill["enqueued"], backfill["sent"]) == ("backfill_day", 3, 3)
    rows = db.run(
        "SELECT target_day::text AS day, days_ago FROM apishopee_ads_sync_queue "
        "WHERE shop_id = :s ORDER BY target_day",
        s=second,
    )
    assert [r["day"] for r in rows] == ["2026-11-15", "2026-11-16", "2026-11-17"]
    assert queue_depth(stack, stack.queues.urls[0]) == 3
    assert "start_day" in refused(adsync("sync", "--all", "--backfill", "2026-11-17",
                                         "2026-11-15"), "sync")  # fmt: skip


def test_the_enqueue_handler_takes_the_same_request(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    (shop_id, *_) = stack.onboard_all()
    event = json.loads((stack_events() / "enqueue_sync_now.json").read_text())
    event["shop_ids"] = [shop_id]
    reply = stack.invoke("enqueue", event)
    assert (reply["enqueued"], reply["sent"], reply["skipped_shops"]) == (3, 3, [])
    lookback = stack.invoke("enqueue", {"sync_type": "lookback", "shop_ids": [shop_id, 7]})
    assert (lookback["enqueued"], lookback["skipped_shops"]) == (1, [7])


def stack_events() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "events"


def test_shops_list_pause_resume_and_reauth(
    adsync: Run, stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    first, second, *_ = synced_fleet(stack)
    db.run(
        "UPDATE apishopee_shops SET status = 'needs_reauth', status_reason = 'shop_banned' "
        "WHERE shop_id = :s",
        s=second,
    )
    listed = adsync("shops")
    shops = ok(listed, "shops")["shops"]
    assert len(shops) == 12 and set(shops[0]) == SHOP_KEYS
    assert ok(listed, "shops")["authorizations"]["shops"] == []  # a year to go
    assert all(s["campaign_count"] is not None for s in shops)
    for token in db.run("SELECT access_token AS a, refresh_token AS r FROM apishopee_shops"):
        assert token["a"] not in listed.out and token["r"] not in listed.out
    reauth = ok(adsync("shops", "--needs-reauth"), "shops")["shops"]
    assert [(s["shop_id"], s["status_reason"]) for s in reauth] == [(second, "shop_banned")]

    assert ok(adsync("shops", "pause", str(first)), "shop-pause") == {
        "shop_id": first, "status": "paused", "changed": True,
    }  # fmt: skip
    assert ok(adsync("shops", "pause", str(first)), "shop-pause")["changed"] is False
    assert stack.invoke("enqueue", {"sync_type": "realtime"})["eligible_shops"] == 10
    assert "authorize" in refused(adsync("shops", "resume", str(second)), "shop-resume")
    assert ok(adsync("shops", "resume", str(first)), "shop-resume")["status"] == "active"
    assert "no shop 5" in refused(adsync("shops", "pause", "5"), "shop-pause")


def test_authorize_through_the_console(
    adsync: Run, stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    link = ok(adsync("shops", "auth-url", "--redirect", "https://x.test/cb"), "auth-url")
    assert link["url"].startswith(stack.server.base_url + "/api/v2/shop/auth_partner?")
    assert stack.simulator.settings.partner_key not in link["url"]
    shop = stack.simulator.world.shops[0]
    code = stack.simulator.authorize(shop.shop_id)
    outcome = adsync("shops", "authorize", "--shop-id", str(shop.shop_id), "--region",
                     shop.region.lower(), "--code", code)  # fmt: skip
    added = ok(outcome, "authorize")
    assert added["shop"]["status"] == "active" and added["backfill_job_id"] == 1
    for token in db.run("SELECT access_token AS a, refresh_token AS r FROM apishopee_shops"):
        assert token["a"] not in outcome.out and token["r"] not in outcome.out
    assert queue_depth(stack, stack.queues.urls[3]) == 1


def test_budget_show_pause_resume(
    adsync: Run, stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    refusal = refused(adsync("budget", "pause", "--minutes", "5"), "budget-pause")
    assert "none is kept while PARTNER_REQUESTS_PER_SECOND is unset" in refusal
    db.run(
        "INSERT INTO apishopee_rate_budget (name, rate_per_second, burst, next_slot_at, "
        "updated_at, strikes) VALUES ('shopee-partner-1', 3, 1, :now, :now, 2)",
        now=clock(),
    )
    shown = ok(adsync("budget"), "budget")
    assert set(shown["budgets"][0]) == BUDGET_KEYS
    paused = ok(adsync("budget", "pause", "--minutes", "30"), "budget-pause")
    assert paused["paused_until"] == (clock() + timedelta(minutes=30)).isoformat()
    resumed = ok(adsync("budget", "resume", "--name", "shopee-partner-1"), "budget-resume")
    assert (resumed["paused_until"], resumed["strikes"]) == (None, 0)
    assert "no request budget 'x'" in refused(adsync("budget", "resume", "--name", "x"),
                                              "budget-resume")  # fmt: skip


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"command": "drop-everything"}, "unknown command 'drop-everything'"),
        ({"command": "retry", "args": {"all": "yes"}}, "all must be true or false"),
        ({"command": "jobs", "args": {"shop": 1}}, "unknown argument 'shop'"),
        ({"command": "job"}, "missing argument(s) job_id"),
        ({"command": "sync", "args": {"shop_ids": [1], "priority": 9}}, "priority must be"),
        ({"command": "retry", "args": {"all": True}, "extra": 1}, "unknown event keys"),
        ({"command": "jobs", "args": {"since": "yesterday"}}, "since must be an ISO 8601"),
    ],
)
def test_bad_admin_events_are_refused_and_change_nothing(
    stack: LocalStack, db: Database, clock: FrozenClock, event: dict[str, Any], message: str
) -> None:
    (shop_id, *_) = stack.onboard_all()
    fail_job(db, shop_id, "boom", clock)
    before = db.run("SELECT * FROM apishopee_ads_sync_queue")
    reply = stack.invoke("admin", event)
    assert reply["ok"] is False and message in reply["error"], reply
    assert db.run("SELECT * FROM apishopee_ads_sync_queue") == before


def test_human_output_of_every_command(stack: LocalStack, db: Database, clock: FrozenClock) -> None:
    run = console_runner("direct", stack, clock)
    shop_ids = synced_fleet(stack)
    fail_job(db, shop_ids[0], "a very long error " * 10, clock)
    for argv in (
        ["status"],
        ["jobs"],
        ["job", "1"],
        ["retry", "--all"],
        ["reset-stuck"],
        ["sync", "--all", "--lookback", "3"],
        ["shops"],
        ["shops", "pause", str(shop_ids[0])],
        ["shops", "auth-url", "--redirect", "https://x.test/cb"],
        ["budget"],
    ):
        outcome = run(*argv)
        assert outcome.code == 0, (argv, outcome.err)
        assert outcome.out.strip() and "\x1b[" not in outcome.out  # no colour off a terminal
    # locally nothing runs queued jobs until the next local run: the console says so
    synced = run("sync", "--shop", str(shop_ids[1]))
    assert synced.out.strip() == (
        "realtime at priority 3: 1 job(s) recorded for 1 shop(s), 1 sent"
    )  # no word of send failures when there were none
    assert synced.err.strip() == cli.LOCAL_WORKERS_HINT
    assert run("shops").err == ""  # only after commands that queue jobs
    # the same shop again: a live job covers it; nothing queued, and it says why
    again = run("sync", "--shop", str(shop_ids[1]))
    assert "no new job: the days are after each shop's today, or a live job" in again.out
    assert again.err == ""
    # no budget configured: said in words, not as an empty table
    assert run("budget").out.strip() == (
        "request budget: none (PARTNER_REQUESTS_PER_SECOND is not set: Shopee calls are not paced)"
    )
    status = run("status").out
    assert "DLQ" in status
    # one shop was paused above
    assert "Data freshness (11 active shops, 0 never synced)" in status and "█" in status
    shops = run("shops").out
    shop = stack.simulator.world.shops[0]
    assert shop.region in shops and "UTC)" in shops
    refused_run = run("shops", "resume", "1")
    assert (refused_run.code, refused_run.err.strip()) == (1, "error: no shop 1")


def test_a_fresh_database_is_a_clear_error_not_42p01(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from adsync.services.dependencies import Dependencies
    from local import ops
    from local.console import cli
    from local.console.backends import LocalBackend
    from local.postgres import scratch_database, server_url

    with scratch_database(server_url(), prefix="adsync_fresh") as url:
        out, err = io.StringIO(), io.StringIO()
        backend = LocalBackend(lambda: Dependencies(env={"DATABASE_URL": url}))
        assert cli.main(["status"], backend=backend, out=out, err=err) == 1
        assert "no sync tables yet" in err.getvalue() and "42P01" not in err.getvalue()
        assert ops.main(["list"], env={"DATABASE_URL": url}) == 1
        assert "no sync tables yet" in capsys.readouterr().err


def test_stack_option_finds_the_admin_function_and_reports_its_failure(
    clock: FrozenClock,
) -> None:
    import boto3
    from botocore.stub import Stubber

    from local.console import cli
    from local.console.backends import RemoteBackend
    from tests.support.console import streaming

    cloudformation = boto3.client("cloudformation", region_name="ap-southeast-1")
    lambda_client = boto3.client("lambda", region_name="ap-southeast-1")

    class Session:  # what boto3's Session gives the console: its clients
        def client(self, name: str, **_: Any) -> Any:
            return {"cloudformation": cloudformation, "lambda": lambda_client}[name]

    with Stubber(cloudformation) as cfn, Stubber(lambda_client) as lam:
        cfn.add_response(
            "describe_stack_resource",
            {
                "StackResourceDetail": {
                    "LogicalResourceId": "AdminFunction",
                    "PhysicalResourceId": "sas-AdminFunction-XYZ",
                    "ResourceType": "AWS::Lambda::Function",
                    "LastUpdatedTimestamp": clock(),
                    "ResourceStatus": "UPDATE_COMPLETE",
                }
            },
            {"StackName": "sas", "LogicalResourceId": "AdminFunction"},
        )
        lam.add_response(
            "invoke",
            {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": streaming({"errorType": "DatabaseError", "errorMessage": "down"}),
            },
        )
        backend = RemoteBackend.for_stack("sas", session=Session())
        assert backend.function_name == "sas-AdminFunction-XYZ"
        out, err = io.StringIO(), io.StringIO()
        assert cli.main(["status"], backend=backend, out=out, err=err) == 1
        assert err.getvalue().strip() == (
            "error: sas-AdminFunction-XYZ failed: DatabaseError: down"
        )


@pytest.mark.parametrize(
    ("argv", "request_"),
    [
        (["status"], {"command": "status", "args": {}}),
        (["jobs", "--since", "2h"], {"command": "jobs", "args": {
            "since": "2026-11-20T03:30:00+00:00", "limit": 50}}),
        (["retry", "--job", "3", "--job", "4"], {"command": "retry", "args": {"job_ids": [3, 4]}}),
        # A fleet-wide re-read goes to the lookback's own queue: it cannot starve realtime.
        (["sync", "--all", "--lookback", "3"], {"command": "sync", "args": {
            "priority": 2, "all": True, "sync_type": "lookback", "window_days": 3}}),
        (["sync", "--shop", "1"], {"command": "sync", "args": {
            "priority": 3, "shop_ids": [1], "sync_type": "realtime"}}),
        (["sync", "--shop", "1", "--days-ago", "2", "--priority", "0"], {"command": "sync",
            "args": {"priority": 0, "shop_ids": [1], "sync_type": "backfill_day",
                     "days_ago": 2}}),
        (["shops", "authorize", "--shop-id", "1", "--region", "vn", "--code", "c",
          "--no-backfill"], {"command": "authorize", "args": {
            "shop_id": 1, "region": "VN", "code": "c", "backfill": False}}),
        (["budget", "pause", "--minutes", "5"], {"command": "budget-pause", "args": {
            "minutes": 5}}),
        (["--stack", "x", "shops", "--needs-reauth", "--json"], {"command": "shops", "args": {
            "needs_reauth": True}}),
    ],
)  # fmt: skip
def test_arguments_become_the_admin_request(
    clock: FrozenClock, argv: list[str], request_: dict[str, Any]
) -> None:
    from local.console import cli

    assert cli.build_request(cli._parser(clock).parse_args(argv)) == request_


class TestAgencyCommands:
    """Issue 17's commands, like every other, directly and through the admin Lambda."""

    @pytest.fixture
    def world(self, clock: FrozenClock) -> World:
        # A main account owning the first 3 shops; 2 shops on their own.
        return World.generate(
            WorldSettings(
                seed=5,
                shop_count=5,
                anchor_date=clock().date(),
                main_account_sizes=(3,),
                share_900_plus=0.0,
                min_900_plus=0,
                share_100_plus=0.0,
            )
        )

    @pytest.fixture
    def simulator_settings(self) -> SimulatorSettings:
        # A second partner app, its key in the stack's env (SHOPEE_PARTNER_KEY_2009999).
        return SimulatorSettings(
            other_partners=(PartnerApp(partner_id=2_009_999, partner_key="fedcba9876543210" * 4),)
        )

    def test_main_account_tier_and_partners(
        self, adsync: Run, stack: LocalStack, db: Database
    ) -> None:
        main_account = stack.simulator.world.settings.first_main_account_id
        code = stack.simulator.authorize_main_account(main_account)
        authorized = ok(
            adsync("shops", "authorize", "--main-account-id", str(main_account), "--code", code),
            "authorize-main",
        )
        owned = sorted(s["shop_id"] for s in authorized["shops"])
        assert owned == sorted(s.shop_id for s in stack.simulator.world.shops[:3])
        assert authorized["failed"] == [] and authorized["backfill_jobs"] == 3

        vip = owned[0]
        assert ok(adsync("shops", "tier", str(vip), "critical"), "shop-tier") == {
            "shop_id": vip, "tier": "critical", "changed": True,
        }  # fmt: skip
        listed = {s["shop_id"]: s for s in ok(adsync("shops"), "shops")["shops"]}
        assert listed[vip]["tier"] == "critical"
        assert listed[vip]["main_account_id"] == main_account

        stack.register_partners()
        partner = 2_009_999
        added = ok(
            adsync("partners", "add", "--id", str(partner), "--name", "agency-b",
                   "--secret-ref", "env:SHOPEE_PARTNER_KEY_2009999", "--rps", "2"),
            "partner-add",
        )  # fmt: skip
        assert added["id"] == partner and "key" not in json.dumps(added).replace("_ref", "")
        moved = ok(
            adsync("partners", "assign", "--shop", str(vip), "--partner", str(partner)),
            "shop-partner",
        )
        assert moved == {"shop_id": vip, "partner_id": partner}
        apps = {p["id"]: p["shops"] for p in ok(adsync("partners"), "partners")["partners"]}
        assert apps[partner] == 1
        assert db.one("SELECT partner_id FROM apishopee_shops WHERE shop_id = :s", s=vip) == {
            "partner_id": partner
        }
        unknown = refused(
            adsync("partners", "assign", "--shop", str(vip), "--partner", "42"), "shop-partner"
        )
        assert "42" in unknown

    def test_a_seller_of_another_app_is_authorized_for_that_app(
        self, adsync: Run, stack: LocalStack, db: Database
    ) -> None:
        """An agency onboards shops into the app their seller authorized (`--partner`):
        the link is that app's, and so is the code exchange and the shop's row."""
        stack.register_partners()  # the simulator's second app is a partner row
        partner = 2_009_999
        link = ok(
            adsync(
                "shops", "auth-url", "--redirect", "https://x.test/cb", "--partner", str(partner)
            ),
            "auth-url",
        )
        assert f"partner_id={partner}&" in link["url"]
        shop = stack.simulator.world.shops[4]
        code = stack.simulator.authorize(shop.shop_id)
        ok(
            adsync("shops", "authorize", "--shop-id", str(shop.shop_id), "--region", shop.region,
                   "--code", code, "--partner", str(partner)),
            "authorize",
        )  # fmt: skip
        main_account = stack.simulator.world.settings.first_main_account_id
        code = stack.simulator.authorize_main_account(main_account)
        ok(
            adsync("shops", "authorize", "--main-account-id", str(main_account), "--code", code,
                   "--partner", str(partner)),
            "authorize-main",
        )  # fmt: skip
        rows = db.run("SELECT shop_id, partner_id FROM apishopee_shops ORDER BY shop_id")
        assert {r["partner_id"] for r in rows} == {partner} and len(rows) == 4
        assert "partner 42 is not in apishopee_partners" in refused(
            adsync("shops", "auth-url", "--redirect", "https://x.test/cb", "--partner", "42"),
            "auth-url",
        )
