"""Id-list paging against a world with a 1,200-campaign shop (and one without any):
every page, every id once, and the offset advances by the rows received even when
Shopee caps the limit."""

from collections.abc import Iterator

import pytest

from adsync.shopee import ShopAuth
from local.simulator import SimulatorSettings, World, WorldSettings
from local.stack import LocalStack, local_stack
from tests.support.clock import FrozenClock
from tests.support.shopee import client_for

ID_LIST = "/api/v2/ads/get_product_level_campaign_id_list"


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World.generate(
        WorldSettings(
            seed=7, shop_count=3, explicit_campaign_counts=(1200, 0), anchor_date=clock().date()
        )
    )


def big_shop_auth(stack: LocalStack) -> ShopAuth:
    shop_id = stack.simulator.world.shops[0].shop_id
    pair = stack.simulator.issue_tokens(shop_id)
    return ShopAuth(shop_id=shop_id, access_token=pair.access_token)


def test_three_pages_of_500_give_every_id(stack: LocalStack, clock: FrozenClock) -> None:
    auth = big_shop_auth(stack)
    truth = stack.simulator.truth.campaign_ids(auth.shop_id)
    assert 1000 < len(truth) <= 1500

    refs = client_for(stack, clock).get_campaign_ids(auth, page_size=500)

    assert stack.simulator.counters.calls_to(ID_LIST) == 3
    assert tuple(r.campaign_id for r in refs) == truth
    assert {r.ad_type for r in refs} <= {"auto", "manual"}


def test_one_page_when_the_limit_covers_the_shop(stack: LocalStack, clock: FrozenClock) -> None:
    auth = big_shop_auth(stack)
    refs = client_for(stack, clock).get_campaign_ids(auth)
    assert stack.simulator.counters.calls_to(ID_LIST) == 1
    assert tuple(r.campaign_id for r in refs) == stack.simulator.truth.campaign_ids(auth.shop_id)


@pytest.fixture
def capped_stack(database_url: str, world: World, clock: FrozenClock) -> Iterator[LocalStack]:
    """A simulator that silently caps the id-list limit at 300."""
    settings = SimulatorSettings(id_list_max_limit=300)
    with local_stack(
        database_url=database_url, world=world, simulator_settings=settings, clock=clock
    ) as running:
        yield running


def test_offset_advances_by_rows_received_when_the_limit_is_capped(
    capped_stack: LocalStack, clock: FrozenClock
) -> None:
    auth = big_shop_auth(capped_stack)
    truth = capped_stack.simulator.truth.campaign_ids(auth.shop_id)

    refs = client_for(capped_stack, clock).get_campaign_ids(auth, page_size=500)

    assert tuple(r.campaign_id for r in refs) == truth  # no id skipped between pages
    assert capped_stack.simulator.counters.calls_to(ID_LIST) == -(-len(truth) // 300)


def test_a_shop_without_campaigns_has_an_empty_list(stack: LocalStack, clock: FrozenClock) -> None:
    world = stack.simulator.world
    empty = [s for s in world.shops if not stack.simulator.truth.campaign_ids(s.shop_id)]
    assert empty
    for shop in empty:
        pair = stack.simulator.issue_tokens(shop.shop_id)
        auth = ShopAuth(shop_id=shop.shop_id, access_token=pair.access_token)
        assert client_for(stack, clock).get_campaign_ids(auth) == []
        assert (
            client_for(stack, clock).get_campaign_daily_performance(
                auth, campaign_ids=[], start=clock().date(), end=clock().date()
            )
            == []
        )
