"""Benchmark 3: the real enqueue handler for N shops on pgqueue: rows and sends per second."""

import json
import time
from dataclasses import dataclass

from adsync.db.job_store import JobStore
from bench.cycle import EVENT
from bench.stack import pg_stack
from local.simulator import World, WorldSettings


@dataclass(frozen=True, kw_only=True)
class EnqueueResult:
    shops: int
    inserted: int
    sent: int
    seconds: float
    sqs_calls: dict[str, int]

    @property
    def jobs_per_second(self) -> float:
        return self.inserted / self.seconds if self.seconds else 0.0


def run_enqueue_bench(shops: int, *, database_url: str) -> EnqueueResult:
    world = World.generate(WorldSettings(seed=3, shop_count=shops))
    with pg_stack(database_url=database_url, world=world, count_sqs_calls=True) as stack:
        stack.seed_shops()
        stack.sqs.calls.clear()
        started = time.perf_counter()
        reply = stack.invoke("enqueue", json.loads(EVENT.read_text()))
        seconds = time.perf_counter() - started
        db = stack.database()
        try:
            pending = JobStore(db).count_by_status().get("pending", 0)
        finally:
            db.close()
        return EnqueueResult(
            shops=shops,
            inserted=int(reply.get("enqueued", pending)),
            sent=int(reply.get("sent", 0)),
            seconds=seconds,
            sqs_calls=dict(stack.sqs.calls),
        )
