"""Priorities: a critical job does not wait behind a backlog of normal ones.

Runs on the Postgres-backed transport (moto's SQS cannot hold 1,000 messages at speed)
with the event source mappings emulated and weighted as deployed.
"""

from collections.abc import Iterator

import pytest

from adsync.db.connection import Database
from local.event_source import Poller
from local.runner import DEFAULT_WEIGHTS
from local.simulator import World, WorldSettings
from local.stack import LocalStack, local_stack
from tests.support.clock import FrozenClock, LiveClock
from tests.support.sqs import queue_depth

CONCURRENCY = 2


@pytest.fixture
def pg_stack(database_url: str) -> Iterator[LocalStack]:
    clock: FrozenClock = LiveClock()
    world = World.generate(
        WorldSettings(seed=3, shop_count=1000, share_900_plus=0.0, min_900_plus=0)
    )
    with local_stack(
        database_url=database_url, world=world, clock=clock, transport="postgres"
    ) as s:
        db = s.database()
        db.run(
            "TRUNCATE apishopee_ads_performance_daily, apishopee_ads_performance_hourly, "
            "apishopee_ads_shop_performance_daily, apishopee_ads_shop_performance_hourly, "
            "apishopee_ads_campaign_data, apishopee_ads_sync_queue, apishopee_shops, "
            "apishopee_rate_budget RESTART IDENTITY CASCADE"
        )
        db.close()
        yield s


def test_a_critical_job_starts_in_the_next_batch_behind_1000_normal_ones(
    pg_stack: LocalStack,
) -> None:
    shop_ids = pg_stack.seed_tokens()
    assert pg_stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})["sent"] == 1000
    db: Database = pg_stack.database()
    db.run(
        "INSERT INTO apishopee_ads_sync_queue (shop_id, sync_type, priority) "
        "VALUES (:s, 'backfill_full', 3)",
        s=shop_ids[-1],
    )
    assert pg_stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 1
    assert queue_depth(pg_stack, pg_stack.queues.urls[1]) == 1000

    def critical_done() -> bool:
        row = db.one("SELECT status FROM apishopee_ads_sync_queue WHERE priority = 3")
        return row is not None and row["status"] == "completed"

    poller = Poller(pg_stack.worker_mappings(DEFAULT_WEIGHTS), concurrency=CONCURRENCY)
    assert poller.run_until(critical_done, timeout_seconds=120)

    row = db.one(
        "SELECT count(*) AS ahead FROM apishopee_ads_sync_queue AS q "
        "WHERE q.priority = 1 AND q.started_at < "
        "(SELECT started_at FROM apishopee_ads_sync_queue WHERE priority = 3)"
    )
    db.close()
    assert row is not None
    # At most the batches already in flight when it arrived: one per emulated container.
    assert row["ahead"] <= 10 * CONCURRENCY
