"""Non-product CPC ads (Shop Ads): in a shop's totals, in no product-level campaign.

`get_all_cpc_ads_*_performance` report *all* of a shop's CPC ads (doc §6.3, §6.4); the
campaign id list and the product campaign endpoints cover product-level campaigns only
(§6.5). A shop that also runs other CPC ads (Shopee's Shop Ads, shown above search
results) therefore has totals above the sum of its campaigns: a difference the sync's
totals check must show and the docs must explain. A share of the shops
(`WorldSettings.shop_ads_share`) get one such pseudo-campaign; the metrics model
applies unchanged. Pure function of (seed, shop, anchor, share). Must not know HTTP.
"""

from datetime import UTC, date, datetime, time
from functools import lru_cache

from local.simulator import noise
from local.simulator.campaign import Campaign
from local.simulator.regions import region
from local.simulator.world import ShopSpec, World

_K_SHOP_ADS = noise.text_key("shop-ads")
SHOP_ADS_OFFSET = 99_998  # the pseudo-campaign's id: shop_id * 100_000 + this (never listed)


def shop_ads(world: World, shop: ShopSpec) -> tuple[Campaign, ...]:
    """The shop's non-product CPC ads (none for most shops)."""
    if shop.campaign_count == 0:
        return ()
    return _generate(
        world.seed, shop.shop_id, shop.region, world.anchor_date, world.settings.shop_ads_share
    )


@lru_cache(maxsize=4096)
def _generate(
    seed: int, shop_id: int, region_code: str, anchor: date, share: float
) -> tuple[Campaign, ...]:
    u = noise.units(5, seed, shop_id, _K_SHOP_ADS)
    if u[0] >= share:
        return ()
    anchor_ts = int(datetime.combine(anchor, time(), tzinfo=UTC).timestamp())
    market = region(region_code)
    return (
        Campaign(
            campaign_id=shop_id * 100_000 + SHOP_ADS_OFFSET,
            shop_id=shop_id,
            ad_type="auto",
            ad_name="Shop Ads",
            bidding_method="auto",
            placement="search",
            budget=0.0,
            start_ts=anchor_ts - (30 + int(u[1] * 200)) * 86_400,
            end_ts=0,
            stop_ts=0,
            stop_status="",
            item_ids=(),
            roas_target=0.0,
            enhanced_cpc=False,
            impressions_per_hour=20.0 + 80.0 * u[2],
            ctr=0.01 + 0.03 * u[3],
            conversion_rate=0.02 + 0.04 * u[4],
            cost_per_click=market.cost_per_click,
            order_value=market.order_value,
            direct_share=0.0,  # a shop ad advertises no item: every order is "broad"
        ),
    )
