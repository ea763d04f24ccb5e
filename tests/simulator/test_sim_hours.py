"""The cached hour model: attributed orders by bisection equal the per-order count, and
what the model answers does not depend on what it was asked before (its caches)."""

from datetime import UTC, date, datetime, timedelta

from local.simulator import noise
from local.simulator.campaign import Campaign
from local.simulator.hours import Orders, day_factor, hour_entry
from local.simulator.metrics import MetricsModel
from local.simulator.world import World, WorldSettings

ANCHOR = date(2026, 3, 1)
DAY = date(2026, 3, 9)


def _world() -> World:
    return World.generate(
        WorldSettings(seed=7, shop_count=4, anchor_date=ANCHOR, explicit_campaign_counts=(300,))
    )


def _visible_by_counting(count: int, share: float, prefix: int, first: int) -> int:
    """The definition: order i is visible once its 10-bit threshold is below the share."""
    if share >= 1.0:
        return count
    limit = int(share * 1024)
    delays = (noise.derive(prefix, i) & 0x3FF for i in range(first, first + count))
    return sum(1 for d in delays if d < limit)


def _orders_hours(world: World) -> list[tuple[Campaign, int, int, Orders]]:
    found = []
    for campaign in world.campaigns(world.shops[0].shop_id):
        prefix = noise.bits(world.seed, campaign.campaign_id, DAY.toordinal())
        for hour in range(24):
            entry = hour_entry(campaign, prefix, hour, day_factor(prefix), 2)
            if isinstance(entry, Orders):
                found.append((campaign, prefix, hour, entry))
    return found


def test_attributed_orders_match_counting_each_order() -> None:
    hours = _orders_hours(_world())
    assert len(hours) > 50  # the world has enough selling hours to mean something
    delay_key = noise.text_key("attribution-delay")
    for _, prefix, hour, orders in hours:
        delay_prefix = noise.derive(prefix, hour, delay_key)
        # A share on an order's own threshold is the edge: that order is not yet visible.
        edges = tuple(mark / 1024 for mark in orders.direct_marks + orders.other_marks)
        for share in (0.0, 0.5, 0.5004, 0.61, 0.77, 0.999, 1.0, *edges):
            row = orders.at(share, 2)
            direct = _visible_by_counting(orders.final_direct, share, delay_prefix, 0)
            other = _visible_by_counting(
                orders.final_other, share, delay_prefix, orders.final_direct
            )
            assert (row[3], row[4]) == (direct, direct + other)
            assert row[4] >= row[3] and row[6] >= row[5]


def test_answers_do_not_depend_on_what_was_asked_before() -> None:
    world = _world()
    shop = world.shops[0]
    campaigns = world.campaigns(shop.shop_id)
    later = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    warm = MetricsModel(seed=world.seed)
    for minutes in (120, 45, 15):  # earlier attribution steps fill the caches
        at = later - timedelta(minutes=minutes)
        for day in (DAY, DAY + timedelta(days=1)):
            warm.hourly_sum(shop=shop, campaigns=campaigns, day=day, now=at)
            warm.daily_sum(shop=shop, campaigns=campaigns, day=day, now=at)
    cold = MetricsModel(seed=world.seed)
    for day in (DAY, DAY + timedelta(days=1)):
        for campaign in campaigns:
            assert warm.hourly(shop=shop, campaign=campaign, day=day, now=later) == cold.hourly(
                shop=shop, campaign=campaign, day=day, now=later
            )
        assert warm.daily_sum(shop=shop, campaigns=campaigns, day=day, now=later) == (
            cold.daily_sum(shop=shop, campaigns=campaigns, day=day, now=later)
        )
        assert warm.hourly_sum(shop=shop, campaigns=campaigns, day=day, now=later) == (
            cold.hourly_sum(shop=shop, campaigns=campaigns, day=day, now=later)
        )
