"""A big shop's realtime job asks its campaigns chunk by chunk with the next chunk's
call already in flight (services/realtime.py `_chunk_reply`): two calls at a time per
job, each chunk asked once, and a call that fails while fetched ahead fails its own
step, as if it had been made in turn; the retry resumes there and stores the truth."""

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from adsync.db.connection import Database
from adsync.services.realtime import LOOKAHEAD
from adsync.shopee import ShopeeClient
from adsync.shopee.errors import ShopeeError
from local.simulator import World, WorldSettings
from local.stack import LocalStack
from tests.faults.conftest import assert_truth, job_rows
from tests.support.clock import FrozenClock
from tests.support.sqs import receive_event
from tests.support.sync import cycle


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World.generate(
        WorldSettings(
            seed=5,
            shop_count=3,
            regions=("VN",),
            anchor_date=clock().date(),
            explicit_campaign_counts=(450,),
            min_900_plus=0,
            share_900_plus=0.0,
        )
    )


def wrap_hourly_calls[W: Callable[..., Any]](
    monkeypatch: pytest.MonkeyPatch, make: Callable[[Callable[..., Any]], W]
) -> W:
    """The client's hourly call becomes `make(the real one)`; returns it."""
    wrapper = make(ShopeeClient.get_campaign_hourly_performance)
    monkeypatch.setattr(
        ShopeeClient,
        "get_campaign_hourly_performance",
        lambda client, auth, **kwargs: wrapper(client, auth, **kwargs),  # a method: bound
    )
    return wrapper


def onboard_and_find_the_biggest(stack: LocalStack) -> int:
    """Every shop onboarded; the biggest one's id."""
    stack.onboard_all()
    return max(stack.simulator.world.shops, key=lambda s: s.campaign_count).shop_id


class InFlight:
    """Wraps the client's hourly call: counts each shop's calls in flight at once and
    the campaign ids each call asked."""

    def __init__(self, call: Callable[..., Any]) -> None:
        self._call = call
        self._lock = threading.Lock()
        self._now: dict[int, int] = {}
        self.most: dict[int, int] = {}
        self.asked: list[tuple[int, tuple[int, ...]]] = []

    def __call__(self, client: ShopeeClient, auth: Any, **kwargs: Any) -> Any:
        shop_id = auth.shop_id
        with self._lock:
            self._now[shop_id] = self._now.get(shop_id, 0) + 1
            self.most[shop_id] = max(self.most.get(shop_id, 0), self._now[shop_id])
            self.asked.append((shop_id, tuple(kwargs["campaign_ids"])))
        try:
            time.sleep(0.05)  # a reply's latency: long enough for the next call to start
            return self._call(client, auth, **kwargs)
        finally:
            with self._lock:
                self._now[shop_id] -= 1


def test_a_big_shops_chunks_are_asked_two_at_a_time_and_each_once(
    stack: LocalStack, db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = wrap_hourly_calls(monkeypatch, InFlight)
    big = onboard_and_find_the_biggest(stack)

    for _ in range(2):  # the first cycle (every running campaign) and a steady one
        spy.asked.clear()
        calls = cycle(stack, db, {"sync_type": "realtime", "priority": 1})
        assert sorted(spy.asked) == sorted(set(spy.asked))  # each chunk asked once ...
        assert calls["get_product_campaign_hourly_performance"] == len(spy.asked)  # ... used
        assert sum(1 for shop_id, _ in spy.asked if shop_id == big) >= 2
        assert_truth(stack, db)
        clock.advance(timedelta(hours=1))  # an hour ends: the shop's campaigns changed
    assert spy.most[big] == LOOKAHEAD == 2


class FailTheSecondChunk:
    """Wraps the client's hourly call: of the first two chunks in flight together, the
    later one (the chunk fetched ahead) fails once, as a Shopee error."""

    def __init__(self, call: Callable[..., Any]) -> None:
        self._call = call
        self._lock = threading.Lock()
        self._arrived: list[tuple[int, ...]] = []
        self.failed: tuple[int, ...] = ()

    def __call__(self, client: ShopeeClient, auth: Any, **kwargs: Any) -> Any:
        ids = tuple(kwargs["campaign_ids"])
        with self._lock:
            self._arrived.append(ids)
        time.sleep(0.05)  # both calls are in flight
        with self._lock:
            first_two = sorted(self._arrived[:2])
            fail = not self.failed and len(first_two) == 2 and ids == first_two[1]
            if fail:
                self.failed = ids
        if fail:
            raise ShopeeError("error_param: refused")
        return self._call(client, auth, **kwargs)


def test_a_call_that_fails_while_fetched_ahead_fails_its_own_step(
    stack: LocalStack, db: Database, later: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = wrap_hourly_calls(monkeypatch, FailTheSecondChunk)
    big = onboard_and_find_the_biggest(stack)
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=big)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})

    reply = stack.invoke("worker", receive_event(stack, 1))

    assert failing.failed and len(reply["batchItemFailures"]) == 1
    [job] = job_rows(db)
    assert (job["status"], job["retry_count"]) == ("pending", 1)
    assert "error_param" in job["error_message"]
    saved = db.one("SELECT cursor FROM apishopee_ads_sync_queue WHERE id = :id", id=job["id"])
    assert saved is not None  # resumes at the failed chunk's step, not after it
    assert (saved["cursor"]["phase"], saved["cursor"]["index"]) == ("extra_hourly", 1)
    later(timedelta(minutes=6))  # the retry delay
    stack.invoke("worker", receive_event(stack, 1))
    assert [(j["status"], j["retry_count"]) for j in job_rows(db)] == [("completed", 1)]
    assert_truth(stack, db, [big])
