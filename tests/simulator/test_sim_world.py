"""The generated world: deterministic, cheap, with the campaign-count spread asked for."""

import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

from local.simulator import World, WorldSettings
from tests.simulator.conftest import ANCHOR, make_world


def test_same_seed_same_world_different_seed_different_world() -> None:
    first, second, other = make_world(), make_world(), make_world(seed=8)
    assert first.shops == second.shops
    shop_id = first.shops[0].shop_id
    assert first.campaigns(shop_id) == second.campaigns(shop_id)
    assert [s.shop_id for s in other.shops] != [s.shop_id for s in first.shops]


def test_regions_and_fixed_offsets() -> None:
    world = World.generate(WorldSettings(seed=3, shop_count=200, anchor_date=ANCHOR))
    offsets = {shop.region: shop.utc_offset for shop in world.shops}
    assert offsets["VN"] == offsets["TH"] == offsets["ID"] == timedelta(hours=7)
    assert offsets["SG"] == offsets["MY"] == offsets["PH"] == offsets["TW"] == timedelta(hours=8)
    assert offsets["BR"] == timedelta(hours=-3)
    assert len({shop.shop_id for shop in world.shops}) == 200


def test_campaign_count_spread_includes_900_plus_and_explicit_huge_shops() -> None:
    world = World.generate(
        WorldSettings(seed=5, shop_count=300, anchor_date=ANCHOR, explicit_campaign_counts=(5200,))
    )
    counts = [shop.campaign_count for shop in world.shops]
    assert counts[0] == 5200
    assert sum(900 <= c < 1500 for c in counts) >= 3
    assert 0 in counts
    assert sum(c <= 60 for c in counts) > 200
    campaigns = world.campaigns(world.shops[0].shop_id)
    assert len(campaigns) == 5200
    assert len({c.campaign_id for c in campaigns}) == 5200


def test_small_world_still_has_one_900_plus_shop() -> None:
    world = World.generate(WorldSettings(seed=1, shop_count=20, anchor_date=ANCHOR))
    assert max(shop.campaign_count for shop in world.shops) >= 900


def test_ten_thousand_shops_generate_quickly() -> None:
    started = time.perf_counter()
    world = World.generate(WorldSettings(seed=9, shop_count=10_000, anchor_date=ANCHOR))
    assert len(world.shops) == 10_000
    assert time.perf_counter() - started < 2.0


def test_campaigns_have_sane_settings() -> None:
    world = make_world(shop_count=3, explicit_campaign_counts=(400,))
    campaigns = world.campaigns(world.shops[0].shop_id)
    anchor_ts = int(datetime.combine(ANCHOR, datetime.min.time(), tzinfo=UTC).timestamp())
    statuses = {c.status_at(anchor_ts) for c in campaigns}
    assert {"ongoing", "paused", "ended", "scheduled", "closed"} <= statuses
    assert {c.ad_type for c in campaigns} == {"auto", "manual"}
    assert {c.placement for c in campaigns} == {"search", "discovery", "all"}
    assert any(c.budget == 0 for c in campaigns) and any(c.budget > 0 for c in campaigns)
    for campaign in campaigns:
        if campaign.ad_type == "manual":
            assert len(campaign.item_ids) == 1
        if campaign.end_ts:
            assert campaign.end_ts > campaign.start_ts
        assert (campaign.roas_target > 0) == (campaign.bidding_method == "auto")
        assert campaign.campaign_id // 100_000 == campaign.shop_id
    assert campaigns == tuple(sorted(campaigns, key=lambda c: c.campaign_id))
    assert asdict(campaigns[0])  # plain data, nothing hidden


def test_default_anchor_is_today() -> None:
    world = World.generate(WorldSettings(shop_count=1))
    assert abs((world.anchor_date - date.today()).days) <= 1
