"""A real HTTP round trip through `Simulator.serve()` with `requests`."""

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from local.simulator import Simulator
from tests.simulator.conftest import PARTNER_ID, PARTNER_KEY, hmac_hex

TOKEN_GET = "/api/v2/auth/token/get"
ID_LIST = "/api/v2/ads/get_product_level_campaign_id_list"


def _signed_query(
    ts: int, path: str, token: str = "", shop_id: int | None = None
) -> dict[str, Any]:
    base = f"{PARTNER_ID}{path}{ts}" + (f"{token}{shop_id}" if shop_id is not None else "")
    query = {"partner_id": PARTNER_ID, "timestamp": ts, "sign": hmac_hex(PARTNER_KEY, base)}
    if shop_id is not None:
        query |= {"access_token": token, "shop_id": shop_id}
    return query


def test_code_exchange_then_concurrent_ads_calls_over_http(sim: Simulator) -> None:
    shop = sim.world.shops[0]
    ts = int(sim.now().timestamp())
    with sim.serve() as server, requests.Session() as http:
        assert server.base_url.startswith("http://127.0.0.1:")
        code = sim.authorize(shop.shop_id)
        reply = http.post(
            server.base_url + TOKEN_GET,
            params=_signed_query(ts, TOKEN_GET),
            data=json.dumps({"code": code, "partner_id": PARTNER_ID, "shop_id": shop.shop_id}),
            headers={"Content-Type": "application/json"},
            timeout=5,
        )
        assert reply.status_code == 200
        token = reply.json()["access_token"]

        def list_page(offset: int) -> list[int]:
            params = _signed_query(ts, ID_LIST, token, shop.shop_id) | {
                "offset": offset,
                "limit": 10,
            }
            page = requests.get(server.base_url + ID_LIST, params=params, timeout=5).json()
            assert page["error"] == "", page
            return [entry["campaign_id"] for entry in page["response"]["campaign_list"]]

        with ThreadPoolExecutor(max_workers=6) as pool:
            pages = list(pool.map(list_page, range(0, 60, 10)))
        ids = [campaign_id for page in pages for campaign_id in page]
        assert tuple(ids) == sim.truth.campaign_ids(shop.shop_id)

        bad = http.get(server.base_url + ID_LIST, params={"partner_id": PARTNER_ID}, timeout=5)
        assert bad.status_code == 200
        assert bad.json()["error"] == "error_param"
    assert sim.counters.calls_to(ID_LIST) == 7
    assert sim.counters.rejected(ID_LIST, "error_param") == 1
