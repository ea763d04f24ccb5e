"""enqueue: rows first, one per eligible shop, deduplicated, sent by priority."""

import json

import pytest

from adsync.db.connection import Database
from adsync.db.shop_store import ShopStore
from adsync.errors import BadEventError
from adsync.services.enqueue import send_order
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.sqs import queue_depth
from tests.support.sync import drain


def test_enqueue_records_and_sends_one_job_per_shop(stack: LocalStack, db: Database) -> None:
    shop_ids = stack.onboard_all()
    reply = stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    assert reply["enqueued"] == reply["sent"] == len(shop_ids)
    rows = db.run(
        "SELECT shop_id, status, priority, dispatched_at IS NOT NULL AS sent "
        "FROM apishopee_ads_sync_queue ORDER BY shop_id"
    )
    assert [r["shop_id"] for r in rows] == sorted(shop_ids)
    assert {(r["status"], r["priority"], r["sent"]) for r in rows} == {("pending", 1, True)}
    assert queue_depth(stack, stack.queues.urls[1]) == len(shop_ids)
    assert queue_depth(stack, stack.queues.urls[3]) == 0


def test_second_enqueue_inserts_nothing(stack: LocalStack, db: Database) -> None:
    stack.onboard_all()
    first = stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    second = stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    assert first["enqueued"] > 0
    assert second["enqueued"] == second["sent"] == 0
    count = db.one("SELECT count(*) AS n FROM apishopee_ads_sync_queue")
    assert count is not None and count["n"] == first["enqueued"]
    assert queue_depth(stack, stack.queues.urls[1]) == first["enqueued"]


def test_paused_and_tokenless_shops_are_not_enqueued(stack: LocalStack, db: Database) -> None:
    shop_ids = stack.onboard_all()
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id = :s", s=shop_ids[0])
    db.run("UPDATE apishopee_shops SET access_token = NULL WHERE shop_id = :s", s=shop_ids[1])
    db.run("UPDATE apishopee_shops SET status = 'needs_reauth' WHERE shop_id = :s", s=shop_ids[2])
    reply = stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    assert reply["eligible_shops"] == reply["enqueued"] == len(shop_ids) - 3


def test_lookback_enqueues_one_job_per_shop_over_the_window(
    stack: LocalStack, db: Database
) -> None:
    shop_ids = stack.onboard_all()
    reply = stack.invoke("enqueue", {"sync_type": "lookback", "priority": 2, "window_days": 3})
    assert reply["enqueued"] == len(shop_ids)
    rows = db.run("SELECT DISTINCT sync_type, days_ago FROM apishopee_ads_sync_queue")
    assert rows == [{"sync_type": "lookback", "days_ago": 3}]
    assert queue_depth(stack, stack.queues.urls[2]) == len(shop_ids)


def test_malformed_event_raises_and_records_nothing(stack: LocalStack, db: Database) -> None:
    stack.onboard_all()
    with pytest.raises(BadEventError, match="unknown sync_type"):
        stack.invoke("enqueue", {"sync_type": "everything", "priority": 1})
    count = db.one("SELECT count(*) AS n FROM apishopee_ads_sync_queue")
    assert count is not None and count["n"] == 0


def test_a_failed_send_leaves_the_row_pending_and_undispatched(
    stack: LocalStack, db: Database
) -> None:
    """SQS refusing a message loses nothing: the row stays for the reconciler."""
    stack.onboard_all()
    stack.sqs.delete_queue(QueueUrl=stack.queues.urls[1])
    reply = stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    assert reply["sent"] == 0 and reply["send_failed"] == reply["enqueued"] > 0
    rows = db.run("SELECT status, dispatched_at FROM apishopee_ads_sync_queue")
    assert {(r["status"], r["dispatched_at"]) for r in rows} == {("pending", None)}


def test_event_file_from_the_scheduler_runs(stack: LocalStack) -> None:
    stack.onboard_all()
    with open("events/enqueue_realtime.json", encoding="utf-8") as handle:
        event = json.load(handle)
    assert stack.invoke("enqueue", event)["enqueued"] == len(stack.simulator.world.shops)


def test_a_sync_records_the_shop_size_and_enqueue_spreads_the_big_shops(
    stack: LocalStack, db: Database
) -> None:
    shop_ids = stack.onboard_all()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1)
    rows = db.run(
        "SELECT s.shop_id, s.campaign_count, (j.stats->>'campaigns')::int AS listed"
        " FROM apishopee_shops s JOIN apishopee_ads_sync_queue j USING (shop_id)"
    )
    assert len(rows) == len(shop_ids)
    assert all(r["campaign_count"] == r["listed"] for r in rows)
    assert len({r["campaign_count"] for r in rows}) > 3  # the world's shops differ in size
    newcomer = shop_ids[-1]
    db.run("UPDATE apishopee_shops SET campaign_count = NULL WHERE shop_id = :s", s=newcomer)

    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    order = db.run(
        "SELECT j.shop_id, s.campaign_count FROM apishopee_ads_sync_queue j"
        " JOIN apishopee_shops s USING (shop_id) WHERE j.status = 'pending' ORDER BY j.id"
    )
    # Recorded (and so sent) in send_order: a shop of unknown size first, then the
    # biggest, the next big one only after smaller ones.
    assert order[0]["shop_id"] == newcomer
    counts = [r["campaign_count"] for r in order[1:]]
    assert counts[0] == max(counts)
    assert counts != sorted(counts, reverse=True)
    expected = send_order(ShopStore(db).eligible(now=stack.now()))
    assert [r["shop_id"] for r in order] == [shop.shop_id for shop in expected]


def test_lookback_without_a_window_re_syncs_attribution_window_days(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """The schedule sends no window_days: ATTRIBUTION_WINDOW_DAYS (the template's
    AttributionWindowDays) is the one source of the window."""
    stack.onboard_all()
    lambdas = stack.lambdas_on(env={**stack.env, "ATTRIBUTION_WINDOW_DAYS": "4"})
    lambdas.invoke("enqueue", {"sync_type": "lookback", "priority": 2})
    rows = db.run("SELECT DISTINCT days_ago FROM apishopee_ads_sync_queue")
    assert rows == [{"days_ago": 4}]


@pytest.mark.parametrize(
    ("name", "value"),
    [("ATTRIBUTION_WINDOW_DAYS", "31"), ("ATTRIBUTION_WINDOW_DAYS", "0"), ("WORKER_THREADS", "11")],
)
def test_settings_out_of_their_range_are_refused_at_start(name: str, value: str) -> None:
    from adsync.config import load_settings
    from adsync.errors import ConfigError

    with pytest.raises(ConfigError, match=f"{name} must be"):
        load_settings({name: value})
