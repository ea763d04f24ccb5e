"""Several partner apps (issue 17): each signs with its own key and has its own limits."""

from typing import Any

from local.simulator import PartnerApp, Reply, Request, Simulator, World
from tests.simulator.conftest import PARTNER_ID, PARTNER_KEY, hmac_hex, make_sim
from tests.support.clock import FrozenClock

BALANCE = "/api/v2/ads/get_total_balance"
OTHER_ID = 2001999
OTHER_KEY = "fedcba9876543210" * 4


def _call(sim: Simulator, clock: FrozenClock, *, partner_id: int, key: str, shop: int) -> Reply:
    token = sim.issue_tokens(shop).access_token
    ts = int(clock.now.timestamp())
    query = {
        "partner_id": str(partner_id),
        "timestamp": str(ts),
        "sign": hmac_hex(key, f"{partner_id}{BALANCE}{ts}{token}{shop}"),
        "access_token": token,
        "shop_id": str(shop),
    }
    return sim.handle(Request(method="GET", path=BALANCE, query=query, body=b""))


def _two_apps(world: World, clock: FrozenClock, **main: Any) -> Simulator:
    other = PartnerApp(partner_id=OTHER_ID, partner_key=OTHER_KEY, rate=0.5, burst=2)
    return make_sim(world, clock, other_partners=(other,), **main)


def test_each_app_signs_with_its_own_key(world: World, clock: FrozenClock) -> None:
    sim = _two_apps(world, clock)
    shop = sim.world.shops[0].shop_id
    assert _call(sim, clock, partner_id=OTHER_ID, key=OTHER_KEY, shop=shop).error == ""
    assert _call(sim, clock, partner_id=PARTNER_ID, key=PARTNER_KEY, shop=shop).error == ""
    # One app's key does not sign for the other.
    assert _call(sim, clock, partner_id=OTHER_ID, key=PARTNER_KEY, shop=shop).error == "error_sign"
    assert _call(sim, clock, partner_id=PARTNER_ID, key=OTHER_KEY, shop=shop).error == "error_sign"
    unknown = _call(sim, clock, partner_id=4242, key=OTHER_KEY, shop=shop)
    assert unknown.error == "invalid_partner_id"


def test_a_throttled_app_does_not_slow_the_other(world: World, clock: FrozenClock) -> None:
    sim = _two_apps(world, clock, partner_rate=100.0, partner_burst=100)
    shop = sim.world.shops[0].shop_id
    other = [_call(sim, clock, partner_id=OTHER_ID, key=OTHER_KEY, shop=shop) for _ in range(3)]
    assert [r.error for r in other] == ["", "", "ads.rate_limit.exceed_partner_api"]
    main = [_call(sim, clock, partner_id=PARTNER_ID, key=PARTNER_KEY, shop=shop) for _ in range(5)]
    assert [r.error for r in main] == [""] * 5
    clock.advance(seconds=2)  # the other app's bucket refills at its own rate
    assert _call(sim, clock, partner_id=OTHER_ID, key=OTHER_KEY, shop=shop).error == ""


def test_daily_quotas_are_per_app(world: World, clock: FrozenClock) -> None:
    other = PartnerApp(partner_id=OTHER_ID, partner_key=OTHER_KEY, daily_quota=1)
    sim = make_sim(world, clock, other_partners=(other,), daily_quota=3)
    shop = sim.world.shops[0].shop_id
    assert _call(sim, clock, partner_id=OTHER_ID, key=OTHER_KEY, shop=shop).error == ""
    assert _call(sim, clock, partner_id=OTHER_ID, key=OTHER_KEY, shop=shop).error == "error_limit"
    main = [_call(sim, clock, partner_id=PARTNER_ID, key=PARTNER_KEY, shop=shop) for _ in range(4)]
    assert [r.error for r in main] == ["", "", "", "error_limit"]
