"""The simulated marketplace: shops and their campaigns, fixed by a seed.

Owns which shops exist, their regions and campaign counts. Shop specs are computed up
front (cheap, even for 10,000 shops); each shop's campaigns are derived on first use from
(seed, shop) and cached. Must not read the clock beyond choosing a default anchor date,
and must not know about tokens, HTTP or metrics arithmetic.
"""

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from local.simulator import noise
from local.simulator.campaign import Campaign, generate_campaigns
from local.simulator.regions import REGIONS, region

_K_SHOP = noise.text_key("shop")
_K_COUNT = noise.text_key("campaign-count")
MAX_CAMPAIGNS_PER_SHOP = 10_000  # campaign ids are shop_id * 100_000 + a gapped sequence


@dataclass(frozen=True, kw_only=True)
class WorldSettings:
    seed: int = 42
    shop_count: int = 20
    regions: tuple[str, ...] = tuple(REGIONS)
    # Campaign start/end dates are placed around this day. None = today (UTC) at
    # generation; pass a date to get the same world on any day.
    anchor_date: date | None = None
    # Exact campaign counts for the first shops (e.g. (5200,) makes shop 0 a 5,200-campaign shop).
    explicit_campaign_counts: tuple[int, ...] = ()
    # Share of the other shops with 900..1,499 campaigns, and a floor on how many.
    share_900_plus: float = 0.02
    min_900_plus: int = 1
    # Share of shops with 100..399 campaigns and with no campaign at all; the rest get 1..60.
    share_100_plus: float = 0.10
    share_without_campaigns: float = 0.05
    first_shop_id: int = 200_000_000
    # Share of the shops with campaigns that also run non-product CPC ads (Shop Ads): in
    # their shop-level totals, in no campaign (see shop_ads.py). Off by default: the
    # realtime sync's "adds up" saving assumes totals = campaigns (see docs/operations.md).
    shop_ads_share: float = 0.0
    # Main accounts (doc §3.1): the k-th owns the next main_account_sizes[k] shops, in
    # order from the first; its id is first_main_account_id + k.
    main_account_sizes: tuple[int, ...] = ()
    first_main_account_id: int = 900_000_000


@dataclass(frozen=True, kw_only=True)
class ShopSpec:
    shop_id: int
    region: str
    campaign_count: int
    utc_offset: timedelta
    index: int


@dataclass(frozen=True, kw_only=True, eq=False)
class World:
    settings: WorldSettings
    anchor_date: date
    shops: tuple[ShopSpec, ...]
    _by_id: dict[int, ShopSpec] = field(repr=False)
    _campaigns: dict[int, tuple[Campaign, ...]] = field(default_factory=dict, repr=False)
    _indexes: dict[int, dict[int, Campaign]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def generate(cls, settings: WorldSettings | None = None) -> "World":
        settings = settings or WorldSettings()
        for code in settings.regions:
            region(code)  # fail fast on a typo
        if not settings.regions:
            raise ValueError("at least one region is required")
        counts = _campaign_counts(settings)
        if sum(settings.main_account_sizes) > settings.shop_count:
            raise ValueError("main accounts own more shops than the world has")
        shops = []
        for index in range(settings.shop_count):
            shop_bits = noise.bits(settings.seed, index, _K_SHOP)
            code = settings.regions[shop_bits % len(settings.regions)]
            shops.append(
                ShopSpec(
                    # Spacing of 1,000 plus an offset below 1,000 keeps ids unique but irregular.
                    shop_id=settings.first_shop_id + index * 1_000 + (shop_bits >> 16) % 1_000,
                    region=code,
                    campaign_count=counts[index],
                    utc_offset=region(code).utc_offset,
                    index=index,
                )
            )
        anchor = settings.anchor_date or datetime.now(UTC).date()
        return cls(
            settings=settings,
            anchor_date=anchor,
            shops=tuple(shops),
            _by_id={shop.shop_id: shop for shop in shops},
        )

    @property
    def seed(self) -> int:
        return self.settings.seed

    def shop(self, shop_id: int) -> ShopSpec | None:
        return self._by_id.get(shop_id)

    def shop_name(self, shop_id: int) -> str:
        shop = self._by_id[shop_id]
        return f"Sim shop {shop.index} {shop.region}"

    def main_account_shops(self, main_account_id: int) -> tuple[ShopSpec, ...] | None:
        """The shops a main account owns; None for an id the world has not."""
        k = main_account_id - self.settings.first_main_account_id
        sizes = self.settings.main_account_sizes
        if not 0 <= k < len(sizes):
            return None
        start = sum(sizes[:k])
        return self.shops[start : start + sizes[k]]

    def campaigns(self, shop_id: int) -> tuple[Campaign, ...]:
        """All campaigns of the shop ever created (any status), ascending by id."""
        cached = self._campaigns.get(shop_id)
        if cached is not None:
            return cached
        shop = self._by_id[shop_id]
        generated = generate_campaigns(
            seed=self.seed,
            shop_id=shop_id,
            region=region(shop.region),
            count=shop.campaign_count,
            anchor=self.anchor_date,
        )
        with self._lock:
            return self._campaigns.setdefault(shop_id, generated)

    def campaign(self, shop_id: int, campaign_id: int) -> Campaign | None:
        return self.campaign_index(shop_id).get(campaign_id)

    def campaign_index(self, shop_id: int) -> dict[int, Campaign]:
        """campaign_id -> campaign for one shop; treat as read-only."""
        index = self._indexes.get(shop_id)
        if index is None:
            index = {campaign.campaign_id: campaign for campaign in self.campaigns(shop_id)}
            with self._lock:
                index = self._indexes.setdefault(shop_id, index)
        return index


def _campaign_counts(settings: WorldSettings) -> list[int]:
    n = settings.shop_count
    explicit = settings.explicit_campaign_counts[:n]
    for count in explicit:
        if not 0 <= count <= MAX_CAMPAIGNS_PER_SHOP:
            raise ValueError(f"campaign count {count} outside 0..{MAX_CAMPAIGNS_PER_SHOP}")
    counts = list(explicit)
    draws = {i: noise.units(2, settings.seed, i, _K_COUNT) for i in range(len(explicit), n)}
    # The 900+ shops are the ones with the smallest first draw: deterministic, and the
    # floor applies even to small worlds (a 20-shop world still has one big shop).
    eligible = sorted(draws, key=lambda i: draws[i][0])
    big_count = min(len(eligible), max(settings.min_900_plus, round(settings.share_900_plus * n)))
    big = set(eligible[:big_count])
    for i in range(len(explicit), n):
        first, second = draws[i]
        if i in big:
            counts.append(900 + int(second * 600))
        elif first < settings.share_900_plus + settings.share_100_plus:
            counts.append(100 + int(second * 300))
        elif (
            first
            < settings.share_900_plus + settings.share_100_plus + settings.share_without_campaigns
        ):
            counts.append(0)
        else:
            counts.append(1 + int(second * second * 60))
    return counts
