"""A tick's send order: the biggest shop first, the campaigns spread over the tick."""

from adsync.services.enqueue import SPREAD_UNTIL, send_order
from adsync.shops import EligibleShop
from adsync.tiers import Tier


def _fleet() -> list[EligibleShop]:
    """The benchmark's shape: 3 shops of 5,000 campaigns, 100 of 900-2,000, 897 small."""
    sizes = [5000] * 3 + [900 + 11 * i for i in range(100)] + [i % 80 for i in range(897)]
    return [
        EligibleShop(shop_id=1000 + i, region="VN", tier=Tier.NORMAL, campaign_count=size)
        for i, size in enumerate(sizes)
    ]


def _campaigns(shops: list[EligibleShop]) -> int:
    return sum(shop.campaign_count or 0 for shop in shops)


def test_every_shop_is_sent_once_the_biggest_first_and_the_unknown_before_it() -> None:
    fleet = _fleet()
    newcomers = [
        EligibleShop(shop_id=1, region="SG", tier=Tier.NORMAL),
        EligibleShop(shop_id=2, region="SG", tier=Tier.NORMAL),
    ]
    order = send_order(newcomers + fleet)
    assert sorted(s.shop_id for s in order) == sorted(s.shop_id for s in newcomers + fleet)
    assert order[:2] == newcomers  # never synced: size unknown, a first sync reads all
    assert order[2].campaign_count == 5000


def test_the_campaigns_are_spread_evenly_and_the_last_jobs_are_small() -> None:
    """Biggest-first would hand out two thirds of the campaigns in the first tenth of the
    jobs; spread, each tenth of the jobs before SPREAD_UNTIL gets about its share, and
    every big shop is sent before it."""
    fleet = _fleet()
    order = send_order(fleet)
    total, tenth = _campaigns(fleet), len(fleet) // 10
    even = 1 / (SPREAD_UNTIL * 10)
    shares = [_campaigns(order[k * tenth : (k + 1) * tenth]) / total for k in range(10)]
    assert all(0.8 * even < share < 1.2 * even for share in shares[:7]), shares
    last_big = max(i for i, shop in enumerate(order) if (shop.campaign_count or 0) >= 900)
    assert last_big < SPREAD_UNTIL * len(order)
    biggest_first = sorted(fleet, key=lambda s: -(s.campaign_count or 0))
    assert _campaigns(biggest_first[:tenth]) / total > 0.6


def test_a_tick_of_one_shop_or_none_is_sent_as_it_is() -> None:
    one = EligibleShop(shop_id=7, region="VN", tier=Tier.NORMAL, campaign_count=0)
    assert send_order([one]) == [one]
    assert send_order([]) == []
