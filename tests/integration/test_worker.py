"""worker: claims, syncs through the real client and simulator, reports partial failures."""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from adsync.db.connection import Database
from adsync.regions import local_day
from adsync.services.dependencies import Dependencies
from local.event_source import sqs_record
from local.lambda_runtime import LambdaRuntime
from local.simulator import SimulatorSettings
from local.stack import LocalStack
from local.truth_check import in_convention
from tests.support.clock import FrozenClock
from tests.support.sqs import receive_event


def enqueue_realtime(stack: LocalStack) -> list[int]:
    shop_ids = stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    return shop_ids


def jobs(db: Database) -> dict[int, dict[str, object]]:
    rows = db.run("SELECT * FROM apishopee_ads_sync_queue ORDER BY id")
    return {r["shop_id"]: r for r in rows}


def test_batch_completes_and_rows_equal_the_simulator(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_ids = enqueue_realtime(stack)
    event = receive_event(stack, 1)
    assert len(event["Records"]) == 10
    reply = stack.invoke("worker", event)
    assert reply == {"batchItemFailures": []}
    done = [s for s, j in jobs(db).items() if j["status"] == "completed"]
    assert len(done) == 10
    for shop_id in done:
        shop = stack.simulator.world.shop(shop_id)
        assert shop is not None
        region = shop.region
        day = local_day(region, clock())
        listed = set(stack.simulator.truth.campaign_ids(shop_id))
        daily = stack.simulator.truth.campaign_daily(shop_id, day)
        truth = {c: m for c, m in daily.items() if c in listed}
        rows = db.run("SELECT * FROM apishopee_ads_performance_daily WHERE shop_id = :s", s=shop_id)
        assert {r["campaign_id"] for r in rows} == set(truth)
        for row in rows:
            expected = in_convention(truth[row["campaign_id"]])  # ratios: README's
            assert row["performance_date"] == day
            for name, value in expected.items():
                if name == "date":
                    continue
                got = row[name]
                if isinstance(value, Fraction):
                    assert Fraction(got) == value, name
                    continue
                assert got == (Decimal(str(value)) if isinstance(got, Decimal) else value), name
    assert set(done) <= set(shop_ids)


def test_duplicate_delivery_of_a_completed_job_changes_nothing(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    enqueue_realtime(stack)
    event = receive_event(stack, 1, max_messages=1)
    stack.invoke("worker", event)
    before_jobs = jobs(db)
    before_rows = db.run("SELECT * FROM apishopee_ads_performance_daily ORDER BY 1, 2, 3")
    calls_before = sum(stack.simulator.counters.calls.values())
    clock.advance(timedelta(minutes=1))

    reply = stack.invoke("worker", event)  # the same record again: SQS at-least-once

    assert reply == {"batchItemFailures": []}
    assert jobs(db) == before_jobs
    assert db.run("SELECT * FROM apishopee_ads_performance_daily ORDER BY 1, 2, 3") == before_rows
    assert sum(stack.simulator.counters.calls.values()) == calls_before


def test_one_failing_shop_fails_only_its_own_record(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    enqueue_realtime(stack)
    event = receive_event(stack, 1)
    records = event["Records"]
    bodies = {r["messageId"]: r["body"] for r in records}
    victim_record = records[3]
    victim_job = int(victim_record["body"].split('"job_id": ')[1].split(",")[0])
    victim_shop = db.one("SELECT shop_id FROM apishopee_ads_sync_queue WHERE id = :i", i=victim_job)
    assert victim_shop is not None
    stack.simulator.faults.fail_shop(victim_shop["shop_id"], error="error_server")

    reply = stack.invoke("worker", event)

    assert reply == {"batchItemFailures": [{"itemIdentifier": victim_record["messageId"]}]}
    by_shop = jobs(db)
    victim = by_shop[victim_shop["shop_id"]]
    assert victim["status"] == "pending"
    assert victim["retry_count"] == 1
    assert "error_server" in str(victim["error_message"])
    completed = [j for j in by_shop.values() if j["status"] == "completed"]
    assert len(completed) == 9
    assert len(bodies) == 10


def test_a_failed_attempt_is_hidden_for_the_retry_delay(stack: LocalStack, db: Database) -> None:
    shop_ids = stack.onboard_all()
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_ids[0])
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.simulator.faults.fail_shop(shop_ids[0], error="error_server")
    reply = stack.invoke("worker", receive_event(stack, 1))
    assert len(reply["batchItemFailures"]) == 1
    queue = stack.queues.urls[1]
    attrs = stack.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert receive_event(stack, 1)["Records"] == []  # 5 minutes (the seed's delay) to go


def test_retries_then_failed_then_dead_letter(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """Three real failures: retry_count 3, status failed, and the message reaches the DLQ."""
    lambdas = stack.lambdas_on(env={**stack.env, "RETRY_DELAY_SECONDS": "0"})
    shop_ids = stack.onboard_all()
    victim = shop_ids[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=victim)
    lambdas.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.simulator.faults.fail_shop(victim, error="error_server")

    for attempt in (1, 2, 3):
        event = receive_event(stack, 1)
        assert len(event["Records"]) == 1
        assert event["Records"][0]["attributes"]["ApproximateReceiveCount"] == str(attempt)
        reply = lambdas.invoke("worker", event)
        assert len(reply["batchItemFailures"]) == 1
        job = jobs(db)[victim]
        assert job["retry_count"] == attempt
        assert job["status"] == ("failed" if attempt == 3 else "pending")
        clock.advance(timedelta(minutes=5))
    assert "error_server" in str(jobs(db)[victim]["error_message"])

    # The next receive moves it to the DLQ (maxReceiveCount 3); dead_letter confirms it.
    assert receive_event(stack, 1)["Records"] == []
    dlq = stack.queues.dead_letter_urls[1]
    dead = stack.sqs.receive_message(
        QueueUrl=dlq, MessageSystemAttributeNames=["All"], WaitTimeSeconds=0
    )["Messages"]
    assert len(dead) == 1
    event = {"Records": [sqs_record(dead[0], queue_arn=stack.queues.arns[dlq])]}
    assert lambdas.invoke("dead_letter", event) == {"batchItemFailures": []}
    job = jobs(db)[victim]
    assert job["status"] == "failed"
    assert "error_server" in str(job["error_message"])  # the real cause is kept


class TestTwoJobsOfOneShop:
    @pytest.fixture
    def simulator_settings(self) -> SimulatorSettings:
        # Every Shopee call takes at least half a second: the first job is still running
        # when the record beside it is claimed, however busy the machine.
        return SimulatorSettings(latency_min_ms=500, latency_max_ms=500)

    def test_never_run_at_once(self, stack: LocalStack, db: Database, clock: FrozenClock) -> None:
        shop_id = stack.seed_tokens()[0]  # no OAuth round trips at half a second each
        db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
        stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
        db.run(
            "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority, scheduled_at) "
            "VALUES (:s, 'backfill_full', 1, :t)",
            s=shop_id,
            t=clock(),
        )
        stack.invoke("maintenance", {"task": "reconcile"})
        event = receive_event(stack, 1)
        assert len(event["Records"]) == 2  # both in one batch, run side by side

        assert stack.invoke("worker", event) == {"batchItemFailures": []}

        rows = db.run("SELECT status, retry_count, started_at FROM apishopee_ads_sync_queue")
        assert sorted(r["status"] for r in rows) == ["completed", "pending"]  # one waits its turn
        waiting = next(r for r in rows if r["status"] == "pending")
        assert waiting["retry_count"] == 0 and waiting["started_at"] is None


def test_a_batch_s_records_share_the_container_s_two_connections(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """Ten records side by side on the worker's threads use the container's one set of
    dependencies: its pool opens at most two connections, not one per thread."""
    built: list[Dependencies] = []

    def factory() -> Dependencies:
        deps = stack.dependencies(clock)
        built.append(deps)
        return deps

    enqueue_realtime(stack)
    event = receive_event(stack, 1)
    assert len(event["Records"]) == 10

    with LambdaRuntime(factory) as lambdas:
        assert lambdas.invoke("worker", event) == {"batchItemFailures": []}

        assert len([j for j in jobs(db).values() if j["status"] == "completed"]) == 10
        [container] = built  # the records' work went through its pool: two connections
        assert "db" in container.__dict__ and container.db.opened() <= 2
