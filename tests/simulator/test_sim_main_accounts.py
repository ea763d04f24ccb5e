"""Main accounts and get_shop_info in the simulator (doc §3.1-§3.4): one code for all the
shops of a main account, one shared pair, spent once per shop with its own shop_id."""

from datetime import UTC, datetime, timedelta

import pytest

from local.simulator import Reply, Request
from tests.simulator.conftest import (
    PARTNER_ID,
    PARTNER_KEY,
    Api,
    hmac_hex,
    make_sim,
    make_world,
)
from tests.support.clock import FrozenClock

TOKEN_GET = "/api/v2/auth/token/get"
REFRESH = "/api/v2/auth/access_token/get"
SHOP_INFO = "/api/v2/shop/get_shop_info"
MAIN = 900_000_000


@pytest.fixture
def api(clock: FrozenClock) -> Api:
    world = make_world(shop_count=6, main_account_sizes=(4,))
    return Api(sim=make_sim(world, clock), clock=clock)


def _grant(api: Api) -> dict[str, object]:
    code = api.sim.authorize_main_account(MAIN)
    reply = api.public_call(
        TOKEN_GET, {"code": code, "partner_id": PARTNER_ID, "main_account_id": MAIN}
    )
    assert reply.error == "", reply.body
    return reply.body


def _refresh(api: Api, shop_id: int, token: str) -> str:
    body = {"refresh_token": token, "partner_id": PARTNER_ID, "shop_id": shop_id}
    return api.public_call(REFRESH, body).error


def _info(api: Api, shop_id: int, token: str) -> Reply:
    return api.shop_call(SHOP_INFO, shop_id=shop_id, access_token=token)


def test_one_code_brings_every_shop_of_the_main_account_and_one_shared_pair(api: Api) -> None:
    owned = [s.shop_id for s in api.sim.world.shops[:4]]
    grant = _grant(api)
    assert grant["shop_id_list"] == owned
    assert grant["merchant_id_list"] == []
    assert grant["expire_in"] == 14400
    for shop_id in owned:
        assert _info(api, shop_id, str(grant["access_token"])).error == ""
    # A shop outside the main account is not opened by its token.
    outsider = api.sim.world.shops[4].shop_id
    assert _info(api, outsider, str(grant["access_token"])).error == "invalid_acceess_token"


def test_each_shop_spends_the_shared_refresh_token_once_for_itself(
    api: Api, clock: FrozenClock
) -> None:
    first, second, *_ = [s.shop_id for s in api.sim.world.shops[:4]]
    grant = _grant(api)
    shared = str(grant["refresh_token"])
    assert _refresh(api, first, shared) == ""
    assert _refresh(api, first, shared) == "error_auth"  # spent for this shop
    assert _refresh(api, second, shared) == ""  # not for the others
    # The first shop's refresh cut the shared access token for it alone (after the grace).
    clock.advance(seconds=301)
    third = api.sim.world.shops[2].shop_id
    assert _info(api, first, str(grant["access_token"])).error == "invalid_acceess_token"
    assert _info(api, third, str(grant["access_token"])).error == ""


def test_a_main_account_code_is_single_use_and_bound_to_its_main_account(api: Api) -> None:
    code = api.sim.authorize_main_account(MAIN)
    other = api.public_call(
        TOKEN_GET, {"code": code, "partner_id": PARTNER_ID, "main_account_id": MAIN + 1}
    )
    assert other.error == "invalid_main_acount_id"
    as_shop = api.public_call(
        TOKEN_GET,
        {"code": code, "partner_id": PARTNER_ID, "shop_id": api.sim.world.shops[0].shop_id},
    )
    assert as_shop.error == "invalid_code"
    body = {"code": code, "partner_id": PARTNER_ID, "main_account_id": MAIN}
    assert api.public_call(TOKEN_GET, body).error == ""
    assert api.public_call(TOKEN_GET, body).error == "invalid_code"


def test_get_shop_info_says_name_region_and_the_authorization_window(
    api: Api, clock: FrozenClock
) -> None:
    shop = api.sim.world.shops[5]
    pair = api.sim.issue_tokens(shop.shop_id)
    reply = _info(api, shop.shop_id, pair.access_token)
    assert reply.error == ""
    assert "response" not in reply.body  # top-level fields, like the auth replies
    assert (reply.body["shop_name"], reply.body["region"]) == (
        api.sim.world.shop_name(shop.shop_id),
        shop.region,
    )
    granted = datetime.fromtimestamp(reply.body["auth_time"], UTC)
    ends = datetime.fromtimestamp(reply.body["expire_time"], UTC)
    assert granted == clock.now.replace(microsecond=0)
    assert ends - granted == timedelta(days=365)


def test_the_authorization_link_redirects_a_main_account_with_its_id(api: Api) -> None:
    ts = int(api.clock.now.timestamp())
    path = "/api/v2/shop/auth_partner"
    query = {
        "partner_id": str(PARTNER_ID),
        "timestamp": str(ts),
        "sign": hmac_hex(PARTNER_KEY, f"{PARTNER_ID}{path}{ts}"),
        "redirect": "https://agency.example/cb",
        "main_account_id": str(MAIN),
    }
    reply = api.sim.handle(Request(method="GET", path=path, query=query))
    assert reply.location is not None
    assert f"main_account_id={MAIN}" in reply.location and "shop_id" not in reply.location
