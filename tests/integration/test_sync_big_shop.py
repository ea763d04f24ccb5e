"""No shop is too big: 5,000 campaigns sync in steps that fit a 60 s Lambda."""

import pytest

from adsync.db.connection import Database
from local.simulator import World, WorldSettings
from local.stack import LocalStack
from local.truth_check import compare
from tests.support.clock import FrozenClock
from tests.support.sqs import deliver
from tests.support.sync import drain, jobs, local_days


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World.generate(
        WorldSettings(
            seed=11,
            shop_count=10,
            explicit_campaign_counts=(5000,),
            min_900_plus=0,
            share_900_plus=0.0,
            share_100_plus=0.0,
            anchor_date=clock().date(),
        )
    )


def test_5000_campaigns_complete_backfill_full_through_continuations(
    stack: LocalStack, db: Database, clock: FrozenClock, world: World
) -> None:
    # A 90 s Lambda keeping 45 s in reserve: each invocation does ~45 s of steps (with 15 s, a
    # small shop sharing a slow machine's CPU with the big one did not always finish in one).
    lambdas = stack.lambdas_on(env={**stack.env, "STEP_RESERVE_SECONDS": "45"})
    stack.onboard_all()
    lambdas.invoke("enqueue", {"sync_type": "backfill_full", "priority": 3})

    deliver(stack, 3, timeout_seconds=90, lambdas=lambdas)
    # The batch's records run side by side: the nine small shops are done at once ...
    first = {r["shop_id"]: r["status"] for r in jobs(db)}
    assert [first[s.shop_id] for s in world.shops[1:]] == ["completed"] * 9
    assert first[world.shops[0].shop_id] == "pending"  # ... the big one continues

    invocations = 1 + drain(stack, priority=3, timeout_seconds=90, lambdas=lambdas)

    rows = jobs(db)
    assert {r["status"] for r in rows} == {"completed"}
    big = next(r for r in rows if r["shop_id"] == world.shops[0].shop_id)
    assert big["stats"]["campaigns"] == len(stack.simulator.truth.campaign_ids(big["shop_id"]))
    assert big["stats"]["runs"] > 1, "the big shop should have needed continuations"
    assert big["retry_count"] == 0
    assert invocations >= big["stats"]["runs"]
    result = compare(db, stack.simulator, local_days(stack, clock, range(7)))
    assert result.equal, result.mismatches[:10]
    assert result.rows_checked > 5000
