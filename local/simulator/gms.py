"""Product GMS (GMV-Max) campaigns: at most one per shop, reported per item (doc §6.9).

Owns which shops are whitelisted for GMS, which run a GMS campaign, which items it covers
and which of them the seller deleted. Each item is modelled as a pseudo-campaign so the
metrics model (hours, today, late attribution) applies unchanged; a deleted item stops
serving when it is deleted (stop_ts) and its late orders still land. Pure function of
(seed, shop, anchor), cached. Must not know about HTTP.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache

from local.simulator import noise
from local.simulator.campaign import Campaign
from local.simulator.regions import region
from local.simulator.world import ShopSpec, World

_K_GMS = noise.text_key("gms")
_K_DELETED = noise.text_key("gms-deleted")
GMS_CAMPAIGN_OFFSET = 99_999  # the GMS campaign id is shop_id * 100_000 + this


@dataclass(frozen=True, kw_only=True)
class GmsCampaign:
    campaign_id: int
    shop_id: int
    items: tuple[Campaign, ...]  # one pseudo-campaign per item; campaign_id == item_id


def gms_whitelisted(world: World, shop: ShopSpec) -> bool:
    """Whether Shopee lets the shop use GMS at all (about three quarters of the shops)."""
    return noise.units(4, world.seed, shop.shop_id, _K_GMS)[0] < 0.75


def gms_campaign(world: World, shop: ShopSpec) -> GmsCampaign | None:
    """The shop's GMS campaign, or None (about half of the shops with campaigns have one;
    a whitelisted shop may have none)."""
    if shop.campaign_count == 0:
        return None
    return _generate(world.seed, shop.shop_id, shop.region, world.anchor_date)


def deleted_items(gms: GmsCampaign, now_ts: int) -> tuple[int, ...]:
    """Items the seller removed from the campaign by `now_ts`, ascending."""
    return tuple(item.campaign_id for item in gms.items if item.stop_ts and item.stop_ts <= now_ts)


@lru_cache(maxsize=4096)
def _generate(seed: int, shop_id: int, region_code: str, anchor: date) -> GmsCampaign | None:
    u = noise.units(4, seed, shop_id, _K_GMS)
    if u[0] >= 0.5:
        return None
    anchor_ts = int(datetime.combine(anchor, time(), tzinfo=UTC).timestamp())
    start_ts = anchor_ts - (30 + int(u[1] * 200)) * 86_400
    market = region(region_code)
    item_ids = sorted(
        {
            shop_id * 10_000 + noise.bits(seed, shop_id, k, _K_GMS) % 300
            for k in range(5 + int(u[2] * 60))
        }
    )
    items = []
    for item_id in item_ids:
        v = noise.units(5, seed, item_id, _K_GMS)
        # About one item in six was deleted by the seller 1 to 14 days before the anchor.
        w = noise.units(2, seed, item_id, _K_DELETED)
        stop_ts = anchor_ts - int((1 + 13 * w[1]) * 86_400) if w[0] < 0.17 else 0
        items.append(
            Campaign(
                campaign_id=item_id,
                shop_id=shop_id,
                ad_type="auto",
                ad_name="",
                bidding_method="auto",
                placement="all",
                budget=0.0,
                start_ts=start_ts,
                end_ts=0,
                stop_ts=stop_ts,
                stop_status="deleted" if stop_ts else "",
                item_ids=(item_id,),
                roas_target=0.0,
                enhanced_cpc=False,
                # A third of the items get no traffic, so "only items with activity" matters.
                impressions_per_hour=0.0 if v[0] < 0.33 else 1.0 + 60.0 * v[1] ** 2,
                ctr=0.01 + 0.04 * v[2],
                conversion_rate=0.01 + 0.05 * v[3],
                cost_per_click=market.cost_per_click * (0.6 + 0.8 * v[4]),
                order_value=market.order_value * (0.5 + v[1]),
                direct_share=0.5 + 0.4 * v[2],
            )
        )
    return GmsCampaign(
        campaign_id=shop_id * 100_000 + GMS_CAMPAIGN_OFFSET, shop_id=shop_id, items=tuple(items)
    )
