"""One shop's product-level CPC campaigns, derived lazily from (seed, shop).

Owns what a campaign *is* (settings, lifetime, activity level) and its status at a given
moment. Must not know about HTTP, tokens or metrics arithmetic: the metrics model reads
the activity fields, the endpoints read the settings.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from local.simulator import noise
from local.simulator.regions import Region

_DAY = 86_400
_WORDS = (
    "Summer", "Flash", "Best", "New", "Hot", "Mega", "Daily", "Super", "Top", "Smart",
)  # fmt: skip
_PRODUCTS = (
    "Sneakers", "Phone Case", "Skincare Set", "Water Bottle", "Backpack", "Earbuds",
    "Coffee Beans", "Yoga Mat", "Desk Lamp", "Dress", "Charger", "Baby Wipes",
)  # fmt: skip

# Shares of the eventual fate of a campaign (cumulative thresholds).
_FATES = (
    (0.40, "ongoing"),
    (0.55, "paused"),
    (0.78, "ended"),
    (0.88, "closed"),
    (0.95, "scheduled"),
    (1.00, "deleted"),
)
_K_CAMPAIGN = noise.text_key("campaign")
_K_ITEMS = noise.text_key("items")


@dataclass(frozen=True, kw_only=True)
class Campaign:
    campaign_id: int
    shop_id: int
    ad_type: str  # "auto" | "manual"
    ad_name: str
    bidding_method: str  # "auto" | "manual"
    placement: str  # "search" | "discovery" | "all"
    budget: float  # 0 = unlimited
    start_ts: int  # Unix seconds
    end_ts: int  # Unix seconds; 0 = no end date
    stop_ts: int  # when the seller paused/closed/deleted it; 0 = never
    stop_status: str  # "paused" | "closed" | "deleted" | ""
    item_ids: tuple[int, ...]
    roas_target: float  # 0 unless auto bidding
    enhanced_cpc: bool
    # Activity model inputs (not exposed by the API).
    impressions_per_hour: float
    ctr: float
    conversion_rate: float
    cost_per_click: float
    order_value: float
    direct_share: float

    def status_at(self, now_ts: int) -> str:
        """Status as the setting-info endpoint reports it at `now_ts`."""
        if now_ts < self.start_ts:
            return "scheduled"
        if self.stop_ts and now_ts >= self.stop_ts:
            return self.stop_status
        if self.end_ts and now_ts >= self.end_ts:
            return "ended"
        return "ongoing"

    @property
    def running_until_ts(self) -> int:
        """First second the campaign no longer serves ads; 0 = open-ended."""
        stops = [ts for ts in (self.end_ts, self.stop_ts) if ts]
        return min(stops) if stops else 0

    def is_running_at(self, ts: int) -> bool:
        until = self.running_until_ts
        return ts >= self.start_ts and (until == 0 or ts < until)


def generate_campaigns(
    *, seed: int, shop_id: int, region: Region, count: int, anchor: date
) -> tuple[Campaign, ...]:
    """The shop's campaigns in ascending id order; pure function of its arguments."""
    anchor_ts = int(datetime.combine(anchor, time(), tzinfo=UTC).timestamp())
    campaigns = []
    next_id = shop_id * 100_000
    for index in range(count):
        # Gaps between ids so clients cannot assume contiguous ids.
        next_id += 1 + noise.bits(seed, shop_id, index, _K_CAMPAIGN, 1) % 9
        campaigns.append(
            _campaign(
                seed=seed,
                shop_id=shop_id,
                region=region,
                index=index,
                campaign_id=next_id,
                anchor_ts=anchor_ts,
            )
        )
    return tuple(campaigns)


def _campaign(
    *, seed: int, shop_id: int, region: Region, index: int, campaign_id: int, anchor_ts: int
) -> Campaign:
    u = noise.units(6, seed, shop_id, index, _K_CAMPAIGN, 2)
    v = noise.units(6, seed, shop_id, index, _K_CAMPAIGN, 3)
    fate = next(name for threshold, name in _FATES if u[0] < threshold)
    hour = int(u[1] * 24) * 3600
    end_ts = stop_ts = 0
    stop_status = ""
    if fate == "scheduled":
        start_ts = anchor_ts + (1 + int(u[2] * 20)) * _DAY + hour
    elif fate == "ended":
        end_ts = anchor_ts - int(u[2] * 150) * _DAY + hour
        start_ts = end_ts - (7 + int(u[3] * 200)) * _DAY
    else:
        start_ts = anchor_ts - (1 + int(u[2] * 240)) * _DAY + hour
        if u[3] < 0.4:
            end_ts = anchor_ts + (5 + int(u[4] * 120)) * _DAY
        if fate in ("paused", "closed", "deleted"):
            stop_status = fate
            stop_ts = start_ts + int((anchor_ts - start_ts) * u[4]) + 3600
    ad_type = "auto" if u[5] < 0.45 else "manual"
    item_pool = shop_id * 10_000
    if ad_type == "manual":
        item_ids: tuple[int, ...] = (item_pool + int(v[0] * 300),)
        name = f"{_WORDS[int(v[1] * len(_WORDS))]} {_PRODUCTS[int(v[2] * len(_PRODUCTS))]}"
        bidding = "auto" if v[3] < 0.3 else "manual"
    else:
        picks = int(v[0] * 6)
        item_ids = tuple(
            sorted(
                {item_pool + noise.bits(seed, campaign_id, k, _K_ITEMS) % 300 for k in range(picks)}
            )
        )
        name = f"Shop Ads - Auto {index + 1}"
        bidding = "auto"
    placement = ("search", "discovery", "all")[int(v[4] * 3)]
    # A fifth of campaigns never get traffic; the rest spread over two orders of magnitude.
    activity = 0.0 if v[5] < 0.2 else 2.0 + 400.0 * ((v[5] - 0.2) / 0.8) ** 3
    ctr = 0.01 + 0.04 * u[1]
    cost_per_click = region.cost_per_click * (0.6 + 0.8 * v[1])
    expected_daily_spend = activity * 14.0 * ctr * cost_per_click
    budget = 0.0 if u[4] < 0.4 else _round_budget(expected_daily_spend * (1.3 + 2 * v[2]), region)
    return Campaign(
        campaign_id=campaign_id,
        shop_id=shop_id,
        ad_type=ad_type,
        ad_name=name,
        bidding_method=bidding,
        placement=placement,
        budget=budget,
        start_ts=start_ts,
        end_ts=end_ts,
        stop_ts=stop_ts,
        stop_status=stop_status,
        item_ids=item_ids,
        roas_target=round(2 + 8 * v[3], 1) if bidding == "auto" else 0.0,
        enhanced_cpc=bidding == "manual" and v[4] < 0.5,
        impressions_per_hour=activity,
        ctr=ctr,
        conversion_rate=0.01 + 0.06 * v[0],
        cost_per_click=cost_per_click,
        order_value=region.order_value * (0.5 + v[2]),
        direct_share=0.4 + 0.5 * v[3],
    )


def _round_budget(amount: float, region: Region) -> float:
    # Budgets are round numbers in the local currency (e.g. 50,000 VND, 5 SGD).
    step = max(1.0, region.cost_per_click * 10)
    return max(step, round(amount / step) * step)
