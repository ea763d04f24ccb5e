"""Signature and common-parameter checks of the simulated gateway (doc §2, §9)."""

from local.simulator import Request, World, signing
from tests.simulator.conftest import PARTNER_ID, Api, hmac_hex, make_sim
from tests.support.clock import FrozenClock

VECTOR_KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
BALANCE = "/api/v2/ads/get_total_balance"


def test_shop_vector_from_the_doc() -> None:
    base = signing.shop_base_string(
        partner_id=2001887,
        path="/api/v2/ads/get_all_cpc_ads_daily_performance",
        timestamp=1700000000,
        access_token="71594a4c54537649697341796363674a",
        shop_id=322300222,
    )
    assert base == (
        "2001887/api/v2/ads/get_all_cpc_ads_daily_performance"
        "170000000071594a4c54537649697341796363674a322300222"
    )
    assert (
        signing.sign(partner_key=VECTOR_KEY, base_string=base)
        == "38cbbe044098d03cab5b360f65aa066cb7cd2154e3e0ffdcef01f7d52b9d797b"
    )


def test_public_vector_from_the_doc() -> None:
    base = signing.public_base_string(
        partner_id=2001887, path="/api/v2/auth/access_token/get", timestamp=1700000000
    )
    assert base == "2001887/api/v2/auth/access_token/get1700000000"
    assert (
        signing.sign(partner_key=VECTOR_KEY, base_string=base)
        == "e6dc3f1ccf6d0270d49409c61057e57c285469dd9a842f1ac1bdba7996aaa39b"
    )


def test_a_correctly_signed_call_succeeds(api: Api) -> None:
    shop = api.sim.world.shops[0]
    pair = api.sim.issue_tokens(shop.shop_id)
    reply = api.shop_call(BALANCE, shop_id=shop.shop_id, access_token=pair.access_token)
    assert reply.status == 200
    assert reply.body["error"] == ""
    assert set(reply.body) == {"request_id", "error", "message", "warning", "response"}
    assert len(reply.body["request_id"]) == 32
    assert reply.body["response"]["data_timestamp"] == int(api.clock.now.timestamp())


def test_wrong_sign_is_error_sign(api: Api) -> None:
    shop_id = api.sim.world.shops[0].shop_id
    pair = api.sim.issue_tokens(shop_id)
    api.partner_key = "f" * 64
    reply = api.shop_call(BALANCE, shop_id=shop_id, access_token=pair.access_token)
    assert (reply.status, reply.error, reply.body["response"]) == (200, "error_sign", None)
    assert api.sim.counters.rejected(BALANCE, "error_sign") == 1


def test_upper_case_hex_only_with_the_setting(world: World, clock: FrozenClock) -> None:
    for case_insensitive, expected in ((False, "error_sign"), (True, "")):
        sim = make_sim(world, clock, sign_case_insensitive=case_insensitive)
        shop_id = world.shops[0].shop_id
        token = sim.issue_tokens(shop_id).access_token
        ts = int(clock.now.timestamp())
        sign = hmac_hex(sim.settings.partner_key, f"{PARTNER_ID}{BALANCE}{ts}{token}{shop_id}")
        query = {
            "partner_id": str(PARTNER_ID),
            "timestamp": str(ts),
            "sign": sign.upper(),
            "access_token": token,
            "shop_id": str(shop_id),
        }
        reply = sim.handle(Request(method="GET", path=BALANCE, query=query))
        assert reply.error == expected


def test_timestamp_window(api: Api) -> None:
    shop_id = api.sim.world.shops[0].shop_id
    token = api.sim.issue_tokens(shop_id).access_token
    now = int(api.clock.now.timestamp())
    cases = {
        now - 300: ("", ""),
        now - 301: ("error_param", "Timestamp is expired."),
        now + 60: ("", ""),
        now + 61: ("error_param", "Invalid timestamp"),
    }
    for timestamp, (error, message) in cases.items():
        reply = api.shop_call(BALANCE, shop_id=shop_id, access_token=token, timestamp=timestamp)
        assert (reply.error, reply.body["message"]) == (error, message), timestamp


def test_missing_common_param_unknown_partner_wrong_path_and_verb(api: Api) -> None:
    shop_id = api.sim.world.shops[0].shop_id
    token = api.sim.issue_tokens(shop_id).access_token
    missing = api.sim.handle(Request(method="GET", path=BALANCE, query={"partner_id": "1"}))
    assert (missing.error, missing.body["message"]) == (
        "error_param",
        "There is no timestamp in query.",
    )

    good = api.shop_call(BALANCE, shop_id=shop_id, access_token=token)
    query = {
        "partner_id": "999",
        "timestamp": str(int(api.clock.now.timestamp())),
        "sign": "00",
        "access_token": token,
        "shop_id": str(shop_id),
    }
    assert good.error == ""
    unknown = api.sim.handle(Request(method="GET", path=BALANCE, query=query))
    assert unknown.error == "invalid_partner_id"

    path = "/api/v2/ads/get_total_balanc"
    wrong_path = api.shop_call(path, shop_id=shop_id, access_token=token)
    assert wrong_path.error == "error_param"
    assert wrong_path.body["message"] == (
        "Permission denied. This API is currently offline or the request path is incorrect."
    )

    wrong_verb = api.shop_call(BALANCE, shop_id=shop_id, access_token=token, method="POST")
    assert wrong_verb.error == "ads.api.http_method_not_allowed"
    assert api.sim.counters.rejected(BALANCE, "ads.api.http_method_not_allowed") == 1
