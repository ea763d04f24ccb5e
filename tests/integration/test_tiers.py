"""Shop tiers (issue 17 part 4): a lasting priority and cadence per shop, set by the
console's one implementation, honoured by every enqueue tick. Real Postgres, moto's SQS,
the simulator over HTTP, the real enqueue and worker handlers, frozen clocks."""

from datetime import UTC, datetime, timedelta

import pytest

from adsync.db.connection import Database
from adsync.errors import DatabaseError
from adsync.services import admin_commands
from adsync.services.dependencies import Dependencies
from adsync.tiers import Tier
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.sqs import queue_depth
from tests.support.sync import drain

# Marketplaces without daylight saving time, by UTC offset in hours: the test's own
# table (not adsync/regions.py), to place a shop's local night.
FIXED_OFFSETS = {"VN": 7, "TH": 7, "ID": 7, "SG": 8, "MY": 8, "PH": 8, "TW": 8}
TICK = {"sync_type": "realtime", "priority": 1}


def _command(stack: LocalStack, clock: FrozenClock, event: dict[str, object]) -> dict[str, object]:
    deps = Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)
    try:
        return admin_commands.handle(event, deps)
    finally:
        deps.close()


def _jobs_of_last_tick(db: Database, now: datetime) -> dict[int, int]:
    """shop_id -> priority of the jobs the tick at `now` recorded."""
    rows = db.run(
        "SELECT shop_id, priority FROM apishopee_ads_sync_queue WHERE created_at = :now",
        now=now,
    )
    return {r["shop_id"]: r["priority"] for r in rows}


def test_a_vip_shop_goes_critical_every_tick_and_an_off_peak_shop_syncs_only_at_night(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_ids = stack.seed_tokens()
    shops = stack.simulator.world.shops
    quiet = next(s for s in shops if s.region in FIXED_OFFSETS)
    vip = next(s for s in shops if s.shop_id != quiet.shop_id)
    offset = timedelta(hours=FIXED_OFFSETS[quiet.region])
    for shop, tier in ((vip, "critical"), (quiet, "off_peak")):
        reply = _command(
            stack, clock, {"command": "shop-tier", "args": {"shop_id": shop.shop_id, "tier": tier}}
        )
        assert reply["result"] == {"shop_id": shop.shop_id, "tier": tier, "changed": True}

    # Noon in the quiet shop's marketplace: two ticks, 15 minutes apart.
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC) - offset
    for _ in range(2):
        reply = stack.invoke("enqueue", TICK)
        assert reply["outside_window"] == 1
        recorded = _jobs_of_last_tick(db, clock())
        assert recorded[vip.shop_id] == 3
        assert quiet.shop_id not in recorded
        assert set(recorded) == set(shop_ids) - {quiet.shop_id}
        assert {p for s, p in recorded.items() if s != vip.shop_id} == {1}
        assert queue_depth(stack, stack.queues.urls[3]) == 1  # the VIP's, on the critical queue
        drain(stack, priority=3)
        drain(stack, priority=1)
        clock.advance(timedelta(minutes=15))

    # Its local night: 01:30. The quiet shop is synced; the VIP still goes critical.
    clock.now = datetime(2026, 11, 21, 1, 30, tzinfo=UTC) - offset
    reply = stack.invoke("enqueue", TICK)
    assert reply["outside_window"] == 0
    recorded = _jobs_of_last_tick(db, clock())
    assert (recorded[quiet.shop_id], recorded[vip.shop_id]) == (1, 3)
    drain(stack, priority=3)
    drain(stack, priority=1)
    statuses = db.run(
        "SELECT DISTINCT status FROM apishopee_ads_sync_queue WHERE shop_id = :s", s=quiet.shop_id
    )
    assert statuses == [{"status": "completed"}]

    # 06:00 local is day again.
    clock.now = datetime(2026, 11, 21, 6, 0, tzinfo=UTC) - offset
    assert stack.invoke("enqueue", TICK)["outside_window"] == 1
    assert quiet.shop_id not in _jobs_of_last_tick(db, clock())


def test_an_operators_sync_of_an_off_peak_shop_runs_when_asked(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.seed_tokens()
    quiet = next(s for s in stack.simulator.world.shops if s.region in FIXED_OFFSETS)
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC) - timedelta(
        hours=FIXED_OFFSETS[quiet.region]
    )
    _command(
        stack,
        clock,
        {"command": "shop-tier", "args": {"shop_id": quiet.shop_id, "tier": "off_peak"}},
    )
    reply = stack.invoke("enqueue", {**TICK, "shop_ids": [quiet.shop_id]})
    assert reply["enqueued"] == 1
    # Daily jobs are one a day: the lookback tick still takes the off-peak shop.
    lookback = stack.invoke("enqueue", {"sync_type": "lookback", "priority": 2, "window_days": 2})
    assert quiet.shop_id in {
        r["shop_id"]
        for r in db.run("SELECT shop_id FROM apishopee_ads_sync_queue WHERE sync_type = 'lookback'")
    }
    assert lookback["outside_window"] == 0


def test_a_bad_tier_or_an_unknown_shop_is_refused_and_changes_nothing(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_id = stack.seed_tokens()[0]
    bad = _command(
        stack, clock, {"command": "shop-tier", "args": {"shop_id": shop_id, "tier": "vip"}}
    )
    assert bad == {
        "command": "shop-tier",
        "ok": False,
        "error": "shop-tier: tier must be one of critical, normal, off_peak, got 'vip'",
    }
    unknown = _command(
        stack, clock, {"command": "shop-tier", "args": {"shop_id": 42, "tier": "critical"}}
    )
    assert unknown == {"command": "shop-tier", "ok": False, "error": "no shop 42"}
    same = _command(
        stack, clock, {"command": "shop-tier", "args": {"shop_id": shop_id, "tier": "normal"}}
    )
    assert same["result"] == {"shop_id": shop_id, "tier": "normal", "changed": False}
    assert {r["tier"] for r in db.run("SELECT tier FROM apishopee_shops")} == {"normal"}
    # A hand-written UPDATE (the seed's operators' habit) cannot store another name.
    with pytest.raises(DatabaseError, match="apishopee_shops_tier_check"):
        db.run("UPDATE apishopee_shops SET tier = 'vip' WHERE shop_id = :s", s=shop_id)


def test_the_databases_tier_names_are_the_codes(db: Database) -> None:
    (row,) = db.run(
        "SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint "
        "WHERE conname = 'apishopee_shops_tier_check'"
    )
    named = set(row["definition"].split("'")[1::2])
    assert named == {t.value for t in Tier}
