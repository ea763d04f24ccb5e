"""The per-partner request budget holds across workers; Shopee's throttling is a pause."""

from datetime import timedelta

import pytest

from adsync.db.budget_store import BudgetStore
from adsync.db.connection import Database
from adsync.services.budget import RateBudget
from adsync.services.dependencies import Dependencies
from adsync.shopee.errors import ThrottledError
from local.lambda_runtime import LambdaRuntime
from local.simulator import SimulatorSettings
from local.stack import LocalStack
from tests.support.clock import FrozenClock, LiveClock
from tests.support.sqs import receive_event
from tests.support.sync import drain, jobs


def budget(stack: LocalStack, clock: FrozenClock, rate: float) -> tuple[RateBudget, Database]:
    """A worker's budget on its own connection; its sleep moves the shared clock."""
    db = stack.database()

    def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    return (
        RateBudget(
            store=BudgetStore(db),
            name="test-partner",
            rate_per_second=rate,
            burst=rate,
            clock=clock,
            sleep=sleep,
        ),
        db,
    )


def test_two_workers_share_one_rate(stack: LocalStack, clock: FrozenClock) -> None:
    (first, db1), (second, db2) = budget(stack, clock, 5), budget(stack, clock, 5)
    start = clock()
    for _ in range(10):
        first.acquire()
        second.acquire()
    # 20 tokens at 5/s with a burst of 5: at least 3 s must have passed, for both.
    assert clock() - start >= timedelta(seconds=3)
    assert clock() - start < timedelta(seconds=3.5)
    db1.close()
    db2.close()


def test_slots_are_served_in_order_and_a_full_schedule_reserves_nothing(
    stack: LocalStack, clock: FrozenClock
) -> None:
    db = stack.database()
    store = BudgetStore(db)
    now = clock()
    store.ensure(name="p", rate_per_second=10, burst=2, now=now)
    wait = timedelta(seconds=1)
    slots = [store.reserve(name="p", max_wait=wait, now=now) for _ in range(13)]
    # The burst starts at once, then one slot every 1/rate, each given once, in order.
    assert [s.slot - now for s in slots[:12]] == [timedelta(0)] * 2 + [
        timedelta(seconds=n / 10) for n in range(1, 11)
    ]
    assert all(s.reserved for s in slots[:12])
    # The next slot is more than a second away: nothing is reserved, nothing moves.
    assert not slots[12].reserved and slots[12].slot - now == timedelta(seconds=1.1)
    again = store.reserve(name="p", max_wait=wait, now=now + timedelta(seconds=0.1))
    assert again.reserved and again.slot - now == timedelta(seconds=1.1)
    db.close()


def test_a_back_off_stops_every_worker_and_grows_while_it_repeats(
    stack: LocalStack, clock: FrozenClock
) -> None:
    (first, db1), (second, db2) = budget(stack, clock, 5), budget(stack, clock, 5)
    first.acquire()
    start = clock()
    first_end = first.back_off()
    assert timedelta(seconds=4) < first_end - start <= timedelta(seconds=6)
    clock.advance(first_end - clock() + timedelta(seconds=1))  # the pause ends
    again = clock()
    second_end = second.back_off()  # throttled again soon after: a longer pause
    assert second_end - again > timedelta(seconds=9)
    first.pause_until(clock() + timedelta(minutes=1))  # a spent daily quota
    with pytest.raises(ThrottledError) as caught:
        second.acquire()
    assert caught.value.scope == "partner"
    assert caught.value.retry_after is not None
    clock.advance(timedelta(minutes=1, seconds=1))
    second.acquire()  # the pause is over
    db1.close()
    db2.close()


@pytest.fixture
def clock() -> FrozenClock:
    return LiveClock()


@pytest.fixture
def simulator_settings() -> SimulatorSettings:
    # Burst: onboarding's two calls per shop (code exchange, get_shop_info) for 12 shops.
    return SimulatorSettings(partner_rate=12.0, partner_burst=24)


def test_a_cycle_under_our_budget_draws_no_throttling_from_shopee(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    lambdas = stack.lambdas_on(env={**stack.env, "PARTNER_REQUESTS_PER_SECOND": "10"})
    stack.onboard_all()
    clock.advance(timedelta(seconds=2))  # onboarding's auth calls spent Shopee's burst
    lambdas.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1, lambdas=lambdas)
    assert {j["status"] for j in jobs(db)} == {"completed"}
    assert stack.simulator.counters.rejected(code="ads.rate_limit.exceed_partner_api") == 0


def test_without_a_budget_shopee_throttles_and_jobs_wait_without_losing_attempts(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.onboard_all()
    clock.advance(timedelta(seconds=2))
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1)
    assert stack.simulator.counters.rejected(code="ads.rate_limit.exceed_partner_api") > 0
    rows = jobs(db)
    assert all(j["retry_count"] == 0 for j in rows)
    assert {j["status"] for j in rows} <= {"completed", "pending"}
    assert any(j["status"] == "pending" for j in rows)  # deferred, not failed


def test_partner_back_off_escalates_once_per_episode(stack: LocalStack, clock: FrozenClock) -> None:
    """Ten calls in flight when Shopee throttles the app all report it: one episode, one
    5 s pause, not 5 s doubled ten times. A throttle after that pause ended escalates."""
    limiter, db = budget(stack, clock, 5)
    limiter.acquire()
    start = clock()
    ends = [limiter.back_off() for _ in range(10)]
    assert timedelta(seconds=5) <= max(ends) - start < timedelta(seconds=6)
    clock.advance(timedelta(seconds=6))  # the pause is over; throttled again: episode 2
    again = clock()
    assert timedelta(seconds=10) <= limiter.back_off() - again < timedelta(seconds=11)
    db.close()


def test_a_one_call_job_costs_two_round_trips_its_claim_brings_the_slot(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """A realtime job whose shop has not changed makes one Shopee call. Its claim
    reserves that call's slot in the same statement, so the job costs the claim and the
    commit: two statements of the container's pool, none for the budget."""
    env = {**stack.env, "PARTNER_REQUESTS_PER_SECOND": "10"}
    lambdas = stack.lambdas_on(env=env)
    stack.onboard_all()
    clock.advance(timedelta(seconds=2))
    lambdas.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1, lambdas=lambdas)  # every shop synced: the next finds nothing new
    lambdas.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    # A fresh container whose budget is known and holds no spare slot.
    deps = Dependencies(env=env, clock=clock, sqs=stack.sqs)
    assert deps.budget is not None
    deps.budget.acquire()
    # Warm, as a container is after its first job: its partner app's client is built.
    deps.partner_apis.for_partner(stack.simulator.settings.partner_id)
    event = receive_event(stack, 1, max_messages=1)
    calls_before = sum(stack.simulator.counters.calls.values())
    statements_before = deps.db.statements()

    with LambdaRuntime(lambda: deps) as container:  # closes deps
        assert container.invoke("worker", event) == {"batchItemFailures": []}

        assert sum(stack.simulator.counters.calls.values()) - calls_before == 1
        assert deps.db.statements() - statements_before == 2
    assert [j["status"] for j in jobs(db)].count("completed") == len(jobs(db)) - 11
