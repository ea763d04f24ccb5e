"""OAuth rules of the simulator: codes, rotation, grace period, revocation (doc §3)."""

import threading
from datetime import timedelta

from local.simulator import Reply, World
from tests.simulator.conftest import PARTNER_ID, Api, make_sim
from tests.support.clock import FrozenClock

TOKEN_GET = "/api/v2/auth/token/get"
REFRESH = "/api/v2/auth/access_token/get"
BALANCE = "/api/v2/ads/get_total_balance"


def _refresh(api: Api, shop_id: int, refresh_token: str) -> Reply:
    body = {"refresh_token": refresh_token, "partner_id": PARTNER_ID, "shop_id": shop_id}
    return api.public_call(REFRESH, body)


def _balance_error(api: Api, shop_id: int, access_token: str) -> str:
    return api.shop_call(BALANCE, shop_id=shop_id, access_token=access_token).error


def test_code_exchange_is_single_use(api: Api) -> None:
    shop_id = api.sim.world.shops[1].shop_id
    code = api.sim.authorize(shop_id)
    body = {"code": code, "partner_id": PARTNER_ID, "shop_id": shop_id}
    first = api.public_call(TOKEN_GET, body)
    assert first.status == 200
    assert first.error == ""
    assert first.body["expire_in"] == 14400
    assert "response" not in first.body  # auth replies are top level
    assert _balance_error(api, shop_id, first.body["access_token"]) == ""
    again = api.public_call(TOKEN_GET, body)
    assert (again.error, again.body["message"]) == ("invalid_code", "Invalid code")


def test_code_expires_after_600_seconds(api: Api, clock: FrozenClock) -> None:
    shop_id = api.sim.world.shops[1].shop_id
    code = api.sim.authorize(shop_id)
    clock.advance(seconds=601)
    body = {"code": code, "partner_id": PARTNER_ID, "shop_id": shop_id}
    assert api.public_call(TOKEN_GET, body).error == "invalid_code"


def test_refresh_rotates_and_old_access_token_has_300_seconds_grace(
    api: Api, clock: FrozenClock
) -> None:
    shop_id = api.sim.world.shops[0].shop_id
    pair = api.sim.issue_tokens(shop_id)
    reply = _refresh(api, shop_id, pair.refresh_token)
    assert reply.error == ""
    assert reply.body["shop_id"] == shop_id
    assert reply.body["refresh_token"] != pair.refresh_token
    reuse = _refresh(api, shop_id, pair.refresh_token)
    assert (reuse.error, reuse.body["message"]) == ("error_auth", "Invalid refresh_token.")

    clock.advance(seconds=299)
    assert _balance_error(api, shop_id, pair.access_token) == ""
    clock.advance(seconds=1)
    assert _balance_error(api, shop_id, pair.access_token) == "invalid_acceess_token"
    assert _balance_error(api, shop_id, reply.body["access_token"]) == ""
    # The rotated refresh token works exactly once more.
    assert _refresh(api, shop_id, reply.body["refresh_token"]).error == ""


def test_access_token_lives_four_hours(api: Api, clock: FrozenClock) -> None:
    shop_id = api.sim.world.shops[0].shop_id
    pair = api.sim.issue_tokens(shop_id)
    assert pair.access_expires_at == clock.now + timedelta(hours=4)
    clock.advance(seconds=14399)
    assert _balance_error(api, shop_id, pair.access_token) == ""
    clock.advance(seconds=1)
    assert _balance_error(api, shop_id, pair.access_token) == "invalid_acceess_token"
    assert _refresh(api, shop_id, pair.refresh_token).error == ""


def test_token_of_another_shop_is_invalid(api: Api) -> None:
    first, second = (shop.shop_id for shop in api.sim.world.shops[:2])
    token = api.sim.issue_tokens(first).access_token
    assert _balance_error(api, second, token) == "invalid_acceess_token"


def test_expired_token_code_is_a_setting(world: World, clock: FrozenClock) -> None:
    sim = make_sim(world, clock, invalid_token_error="error_auth")
    api = Api(sim=sim, clock=clock)
    shop_id = world.shops[0].shop_id
    reply = api.shop_call(BALANCE, shop_id=shop_id, access_token="0" * 32)
    assert (reply.error, reply.body["message"]) == ("error_auth", "Invalid access_token.")


def test_expire_access_token_forces_a_refresh(api: Api) -> None:
    shop_id = api.sim.world.shops[0].shop_id
    pair = api.sim.issue_tokens(shop_id)
    api.sim.expire_access_token(shop_id)
    assert _balance_error(api, shop_id, pair.access_token) == "invalid_acceess_token"
    fresh = _refresh(api, shop_id, pair.refresh_token)
    assert _balance_error(api, shop_id, fresh.body["access_token"]) == ""


def test_revoked_authorization_stops_calls_and_refresh(api: Api) -> None:
    shop_id = api.sim.world.shops[0].shop_id
    pair = api.sim.issue_tokens(shop_id)
    api.sim.revoke(shop_id)
    assert _balance_error(api, shop_id, pair.access_token) == "error_auth"
    assert _refresh(api, shop_id, pair.refresh_token).error == "shop_access_expired"
    # Re-authorization brings the shop back.
    fresh = api.sim.issue_tokens(shop_id)
    assert _balance_error(api, shop_id, fresh.access_token) == ""


def test_authorization_ends_after_365_days(api: Api, clock: FrozenClock) -> None:
    shop_id = api.sim.world.shops[0].shop_id
    refresh_token = api.sim.issue_tokens(shop_id).refresh_token
    for _ in range(12):  # keep the chain alive with a refresh every 29 days
        clock.advance(days=29)
        reply = _refresh(api, shop_id, refresh_token)
        assert reply.error == ""
        refresh_token = reply.body["refresh_token"]
    clock.advance(days=365 - 12 * 29)
    assert _refresh(api, shop_id, refresh_token).error == "shop_access_expired"


def test_concurrent_refresh_with_one_token_succeeds_once(api: Api) -> None:
    shop_id = api.sim.world.shops[0].shop_id
    pair = api.sim.issue_tokens(shop_id)
    errors: list[str] = []
    barrier = threading.Barrier(16)

    def worker() -> None:
        barrier.wait()
        errors.append(_refresh(api, shop_id, pair.refresh_token).error)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(errors) == [""] + ["error_auth"] * 15
