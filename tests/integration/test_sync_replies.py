"""Replies that must not complete a job with holes, and throttles that must not undo
progress: a success without `response` is a failed attempt; the campaign id list is
saved page by page, so a throttle at page 3 resumes at page 3."""

from datetime import timedelta

import pytest

from adsync.db.connection import Database
from adsync.jobs import JobMessage
from local.simulator import SimulatorSettings
from local.stack import LocalStack
from local.truth_check import compare
from tests.support.clock import FrozenClock
from tests.support.sqs import deliver
from tests.support.sync import jobs, local_days

ADS = "/api/v2/ads/"
LIST = ADS + "get_product_level_campaign_id_list"


def only_shop(db: Database, shop_id: int) -> None:
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :k", k=shop_id)


@pytest.mark.parametrize("missing", [False, True], ids=["null", "missing"])
def test_a_success_without_response_is_a_failed_attempt(
    stack: LocalStack, db: Database, clock: FrozenClock, missing: bool
) -> None:
    shop_ids = stack.onboard_all()
    only_shop(db, shop_ids[0])
    stack.simulator.faults.hollow_next(
        path=ADS + "get_all_cpc_ads_hourly_performance", missing=missing
    )
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    deliver(stack, 1)
    job = jobs(db)[0]
    assert (job["status"], job["retry_count"]) == ("pending", 1)
    assert "response" in (job["error_message"] or "")


@pytest.fixture
def simulator_settings() -> SimulatorSettings:
    # Pages of 100 ids whatever the limit asked: the 900+ campaign shop has 10+ pages.
    return SimulatorSettings(id_list_max_limit=100)


@pytest.mark.parametrize("sync_type", ["realtime", "backfill_full"])
def test_a_throttle_in_the_list_resumes_at_its_page(
    stack: LocalStack, db: Database, clock: FrozenClock, sync_type: str
) -> None:
    shop = max(stack.simulator.world.shops, key=lambda s: s.campaign_count)
    pages = -(-len(stack.simulator.truth.campaign_ids(shop.shop_id)) // 100)
    assert pages >= 5
    stack.onboard_all()
    only_shop(db, shop.shop_id)
    stack.invoke("enqueue", {"sync_type": sync_type, "priority": 1})
    # Pages 1 and 2 pass; page 3 is throttled for this shop.
    stack.simulator.faults.fail_next(
        1,
        error="ads.rate_limit.exceed_shop_api",
        message="Too many requests.",
        path=LIST,
        after=2,
    )
    deliver(stack, 1)
    job = jobs(db)[0]
    assert job["status"] == "pending" and job["retry_count"] == 0  # deferred, not failed
    assert job["cursor"]["phase"] == "list"

    clock.advance(timedelta(minutes=2))
    # The deferred message waits in real time; send its twin now (as the delay ending).
    message = JobMessage(job_id=job["id"], dispatch_id=str(job["dispatch_id"]))
    stack.sqs.send_message(QueueUrl=stack.queues.urls[1], MessageBody=message.to_body())
    deliver(stack, 1)
    assert jobs(db)[0]["status"] == "completed"
    # pages + the throttled call, not pages + 2 (pages 1 and 2 were not read again)
    assert stack.simulator.counters.calls[LIST] == pages + 1
    days = local_days(stack, clock, range(7 if sync_type == "backfill_full" else 1))
    result = compare(db, stack.simulator, {shop.shop_id: days[shop.shop_id]})
    assert result.equal, result.mismatches[:10]
