"""Injected faults, throttling buckets, the daily quota and latency (doc §5, §11)."""

from typing import Any

import requests

from local.simulator import Simulator, World
from tests.simulator.conftest import Api, hmac_hex, make_sim
from tests.support.clock import FrozenClock

BALANCE = "/api/v2/ads/get_total_balance"
TOGGLE = "/api/v2/ads/get_shop_toggle_info"


def _tokens(sim: Simulator, count: int = 2) -> list[tuple[int, str]]:
    shops = sim.world.shops[:count]
    return [(shop.shop_id, sim.issue_tokens(shop.shop_id).access_token) for shop in shops]


def test_fail_next_gives_error_server_with_http_500_then_recovers(api: Api) -> None:
    ((shop_id, token),) = _tokens(api.sim, 1)
    api.sim.faults.fail_next(2)
    first = api.shop_call(BALANCE, shop_id=shop_id, access_token=token)
    second = api.shop_call(BALANCE, shop_id=shop_id, access_token=token)
    third = api.shop_call(BALANCE, shop_id=shop_id, access_token=token)
    assert (first.status, first.error, first.body["response"]) == (500, "error_server", None)
    assert second.error == "error_server"
    assert (third.status, third.error) == (200, "")
    assert api.sim.counters.rejections == {(BALANCE, "error_server"): 2}
    assert api.sim.counters.calls_to(BALANCE) == 3


def test_fail_shop_targets_one_shop_until_cleared(api: Api) -> None:
    (bad_shop, bad_token), (good_shop, good_token) = _tokens(api.sim)
    api.sim.faults.fail_shop(bad_shop, error="error_data", times=None)
    for _ in range(3):
        assert api.shop_call(BALANCE, shop_id=bad_shop, access_token=bad_token).error == (
            "error_data"
        )
        assert api.shop_call(BALANCE, shop_id=good_shop, access_token=good_token).error == ""
    api.sim.faults.clear()
    assert api.shop_call(BALANCE, shop_id=bad_shop, access_token=bad_token).error == ""


def test_fault_on_one_path_only(api: Api) -> None:
    ((shop_id, token),) = _tokens(api.sim, 1)
    api.sim.faults.fail_next(1, path=TOGGLE, error="error_network")
    assert api.shop_call(BALANCE, shop_id=shop_id, access_token=token).error == ""
    assert api.shop_call(TOGGLE, shop_id=shop_id, access_token=token).error == "error_network"
    assert api.sim.faults.armed == 0


def test_throttled_error_is_429_setting(api: Api) -> None:
    ((shop_id, token),) = _tokens(api.sim, 1)
    api.sim.faults.fail_next(1, error="ads.rate_limit.exceed_api")
    reply = api.shop_call(BALANCE, shop_id=shop_id, access_token=token)
    assert (reply.status, reply.error) == (429, "ads.rate_limit.exceed_api")


def test_shop_bucket_refills_with_the_clock(world: World, clock: FrozenClock) -> None:
    sim = make_sim(world, clock, shop_rate=1.0, shop_burst=3)
    api = Api(sim=sim, clock=clock)
    (first_shop, first_token), (other_shop, other_token) = _tokens(sim)
    errors = [
        api.shop_call(BALANCE, shop_id=first_shop, access_token=first_token).error for _ in range(4)
    ]
    assert errors == ["", "", "", "ads.rate_limit.exceed_shop_api"]
    assert api.shop_call(BALANCE, shop_id=other_shop, access_token=other_token).error == ""
    clock.advance(seconds=1)
    assert api.shop_call(BALANCE, shop_id=first_shop, access_token=first_token).error == ""
    assert sim.counters.rejected(code="ads.rate_limit.exceed_shop_api") == 1


def test_partner_and_api_buckets(world: World, clock: FrozenClock) -> None:
    sim = make_sim(world, clock, partner_rate=0.5, partner_burst=2)
    api = Api(sim=sim, clock=clock)
    (a, a_token), (b, b_token) = _tokens(sim)
    assert api.shop_call(BALANCE, shop_id=a, access_token=a_token).error == ""
    assert api.shop_call(BALANCE, shop_id=b, access_token=b_token).error == ""
    rejected = api.shop_call(TOGGLE, shop_id=a, access_token=a_token)
    assert (rejected.status, rejected.error) == (429, "ads.rate_limit.exceed_partner_api")

    sim = make_sim(world, clock, api_rate=0.1, api_burst=1)
    api = Api(sim=sim, clock=clock)
    (a, a_token), (b, b_token) = _tokens(sim)
    assert api.shop_call(BALANCE, shop_id=a, access_token=a_token).error == ""
    assert api.shop_call(BALANCE, shop_id=b, access_token=b_token).error == (
        "ads.rate_limit.exceed_api"
    )
    assert api.shop_call(TOGGLE, shop_id=b, access_token=b_token).error == ""


def test_daily_quota_resets_at_midnight_utc_plus_8(world: World, clock: FrozenClock) -> None:
    sim = make_sim(world, clock, daily_quota=2)
    api = Api(sim=sim, clock=clock)
    ((shop_id, token),) = _tokens(sim, 1)
    results = [api.shop_call(BALANCE, shop_id=shop_id, access_token=token) for _ in range(3)]
    assert [r.error for r in results] == ["", "", "error_limit"]
    assert results[2].status == 429
    # 05:00 UTC is 13:00 UTC+8; the quota day ends at 16:00 UTC.
    clock.advance(hours=10, seconds=59 * 60 + 59)
    token = sim.issue_tokens(shop_id).access_token  # the old one is past its 4 hours
    assert api.shop_call(BALANCE, shop_id=shop_id, access_token=token).error == "error_limit"
    clock.advance(seconds=1)
    assert api.shop_call(BALANCE, shop_id=shop_id, access_token=token).error == ""


def test_latency_setting_delays_replies(world: World, clock: FrozenClock) -> None:
    sim = make_sim(world, clock, latency_min_ms=20, latency_max_ms=30)
    api = Api(sim=sim, clock=clock)
    ((shop_id, token),) = _tokens(sim, 1)
    reply = api.shop_call(BALANCE, shop_id=shop_id, access_token=token)
    assert 0.02 <= reply.delay_s <= 0.03


def _signed_balance_url(sim: Simulator, base_url: str, shop_id: int, token: str) -> tuple[Any, ...]:
    ts = int(sim.now().timestamp())
    sign = hmac_hex(
        sim.settings.partner_key, f"{sim.settings.partner_id}{BALANCE}{ts}{token}{shop_id}"
    )
    params = {
        "partner_id": sim.settings.partner_id,
        "timestamp": ts,
        "sign": sign,
        "access_token": token,
        "shop_id": shop_id,
    }
    return base_url + BALANCE, params


def test_slow_and_dropped_responses_over_http(sim: Simulator) -> None:
    ((shop_id, token),) = _tokens(sim, 1)
    with sim.serve() as server:
        url, params = _signed_balance_url(sim, server.base_url, shop_id, token)
        sim.faults.slow_next(1, delay_s=0.5)
        try:
            requests.get(url, params=params, timeout=0.1)
            raise AssertionError("expected a timeout")
        except requests.Timeout:
            pass
        sim.faults.drop_next(1)
        try:
            requests.get(url, params=params, timeout=2)
            raise AssertionError("expected a dropped connection")
        except requests.ConnectionError:
            pass
        sim.faults.fail_next(1)
        failed = requests.get(url, params=params, timeout=2)
        assert (failed.status_code, failed.json()["error"]) == (500, "error_server")
        ok = requests.get(url, params=params, timeout=2)
        assert (ok.status_code, ok.json()["error"]) == (200, "")
    assert sim.counters.rejected(BALANCE, "connection_dropped") == 1
