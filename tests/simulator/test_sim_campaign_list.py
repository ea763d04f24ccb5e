"""get_product_level_campaign_id_list: paging, filter, limit cap (doc §6.5)."""

from tests.simulator.conftest import Api, make_sim, make_world
from tests.support.clock import FrozenClock

ID_LIST = "/api/v2/ads/get_product_level_campaign_id_list"


def _all_pages(api: Api, shop_id: int, token: str, *, limit: int, ad_type: str = "") -> list[int]:
    ids: list[int] = []
    offset = 0
    while True:
        params = {"offset": offset, "limit": limit, "ad_type": ad_type}
        reply = api.shop_call(ID_LIST, shop_id=shop_id, access_token=token, params=params)
        assert reply.error == "", reply.body
        response = reply.body["response"]
        assert response["shop_id"] == shop_id
        assert len(response["campaign_list"]) <= limit
        page = [entry["campaign_id"] for entry in response["campaign_list"]]
        ids += page
        if not response["has_next_page"]:
            return ids
        # Advance by what came back: a capped limit returns fewer rows than asked for.
        offset += len(page)


def test_paging_returns_every_id_exactly_once(api: Api) -> None:
    shop = api.sim.world.shops[0]
    token = api.sim.issue_tokens(shop.shop_id).access_token
    ids = _all_pages(api, shop.shop_id, token, limit=7)
    assert len(ids) == len(set(ids))
    assert tuple(ids) == api.sim.truth.campaign_ids(shop.shop_id)
    assert len(ids) > 7 * 3


def test_ad_type_filter(api: Api) -> None:
    shop = api.sim.world.shops[0]
    token = api.sim.issue_tokens(shop.shop_id).access_token
    auto = _all_pages(api, shop.shop_id, token, limit=50, ad_type="auto")
    manual = _all_pages(api, shop.shop_id, token, limit=50, ad_type="manual")
    assert auto and manual
    assert sorted(auto + manual) == sorted(api.sim.truth.campaign_ids(shop.shop_id))
    assert tuple(auto) == api.sim.truth.campaign_ids(shop.shop_id, ad_type="auto")
    bad = api.shop_call(
        ID_LIST, shop_id=shop.shop_id, access_token=token, params={"ad_type": "gms"}
    )
    assert bad.error == "error_param"


def test_deleted_campaigns_are_listed_only_with_the_setting(clock: FrozenClock) -> None:
    world = make_world(explicit_campaign_counts=(400,))
    shop_id = world.shops[0].shop_id
    hidden = make_sim(world, clock).truth.campaign_ids(shop_id)
    shown = make_sim(world, clock, list_deleted_campaigns=True).truth.campaign_ids(shop_id)
    assert len(shown) == 400
    assert set(hidden) < set(shown)


def test_limit_is_capped_by_the_setting(clock: FrozenClock) -> None:
    world = make_world(explicit_campaign_counts=(40,))
    sim = make_sim(world, clock, id_list_max_limit=10)
    api = Api(sim=sim, clock=clock)
    shop_id = world.shops[0].shop_id
    token = sim.issue_tokens(shop_id).access_token
    reply = api.shop_call(ID_LIST, shop_id=shop_id, access_token=token, params={"limit": 5000})
    assert len(reply.body["response"]["campaign_list"]) == 10
    assert reply.body["response"]["has_next_page"] is True
    assert len(_all_pages(api, shop_id, token, limit=5000)) == len(sim.truth.campaign_ids(shop_id))


def test_a_5200_campaign_shop_pages_with_the_maximum_limit(clock: FrozenClock) -> None:
    world = make_world(shop_count=1, explicit_campaign_counts=(5200,))
    sim = make_sim(world, clock, list_deleted_campaigns=True)
    api = Api(sim=sim, clock=clock)
    shop_id = world.shops[0].shop_id
    token = sim.issue_tokens(shop_id).access_token
    ids = _all_pages(api, shop_id, token, limit=5000)
    assert len(ids) == len(set(ids)) == 5200
    assert sim.counters.calls_to(ID_LIST) == 2
