"""Helpers for sync tests: drain a queue like the event source mapping, run a whole
cycle, list jobs."""

from datetime import date, timedelta
from typing import Any

from adsync.db.connection import Database
from adsync.regions import local_day
from local.lambda_runtime import LambdaRuntime
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.sqs import deliver


def jobs(db: Database) -> list[dict[str, Any]]:
    return db.run("SELECT * FROM apishopee_ads_sync_queue ORDER BY id")


def drain(
    stack: LocalStack,
    *,
    priority: int,
    timeout_seconds: float = 300.0,
    limit: int = 500,
    lambdas: LambdaRuntime | None = None,
) -> int:
    """Deliver batches until the queue has nothing visible (to the worker in `lambdas`'
    containers, else the stack's); return the invocations."""
    invocations = 0
    while invocations < limit:
        visible = stack.sqs.get_queue_attributes(
            QueueUrl=stack.queues.urls[priority], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        if visible == "0":
            return invocations
        deliver(stack, priority, timeout_seconds=timeout_seconds, lambdas=lambdas)
        invocations += 1
    raise AssertionError("the queue did not drain")


def local_days(stack: LocalStack, clock: FrozenClock, back: range) -> dict[int, list[date]]:
    """For every shop: its local today minus each n in `back`."""
    return {
        s.shop_id: [local_day(s.region, clock()) - timedelta(days=n) for n in back]
        for s in stack.simulator.world.shops
    }


def cycle(stack: LocalStack, db: Database, event: dict[str, object]) -> dict[str, int]:
    """One enqueue of `event`, drained, every job completed; the Shopee calls it made,
    by endpoint name (endpoints it did not call are left out)."""
    before = dict(stack.simulator.counters.calls)
    stack.invoke("enqueue", event)
    drain(stack, priority=int(str(event["priority"])))
    assert {r["status"] for r in jobs(db)} == {"completed"}
    after = stack.simulator.counters.calls
    return {
        path.rsplit("/", 1)[-1]: after[path] - before.get(path, 0)
        for path in after
        if after[path] != before.get(path, 0)
    }
