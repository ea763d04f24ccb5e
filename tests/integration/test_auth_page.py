"""The seller's side of onboarding, locally: the simulator serves Shopee's authorization
link (`/api/v2/shop/auth_partner`) and redirects back with a single-use code, so the
README's "Adding a shop" flow can be tried end to end without Shopee."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_shop
from local.stack import LocalStack
from tests.support.clock import FrozenClock

REDIRECT = "https://agency.example/shopee/callback?state=42"


def test_the_authorization_link_redirects_back_with_a_code_that_onboards_the_shop(
    stack: LocalStack, clock: FrozenClock
) -> None:
    deps = Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)
    try:
        shop = stack.simulator.world.shops[2]
        link = deps.shopee.authorization_url(REDIRECT)
        # The simulator stands in for the seller's choice with a shop_id of its own.
        reply = requests.get(
            link, params={"shop_id": shop.shop_id}, allow_redirects=False, timeout=10
        )
        assert reply.status_code == 302
        back = urlparse(reply.headers["Location"])
        assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT.split("?")[0]
        query = parse_qs(back.query)
        assert query["state"] == ["42"]  # the caller's own parameters are kept
        assert query["shop_id"] == [str(shop.shop_id)]
        onboard_shop(deps, shop_id=shop.shop_id, region=shop.region, code=query["code"][0])
        assert deps.shops.get(shop.shop_id) is not None
    finally:
        deps.close()


def test_a_badly_signed_link_is_refused(stack: LocalStack, clock: FrozenClock) -> None:
    deps = Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)
    try:
        link = deps.shopee.authorization_url(REDIRECT).replace("sign=", "sign=0")
    finally:
        deps.close()
    reply = requests.get(link, allow_redirects=False, timeout=10)
    assert reply.status_code != 302
    assert reply.json()["error"]


@pytest.mark.parametrize("missing", ["redirect"])
def test_a_link_without_a_redirect_is_refused(
    stack: LocalStack, clock: FrozenClock, missing: str
) -> None:
    deps = Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)
    try:
        link = deps.shopee.authorization_url(REDIRECT)
    finally:
        deps.close()
    url = urlparse(link)
    kept = {k: v for k, v in parse_qs(url.query).items() if k != missing}
    reply = requests.get(
        f"{url.scheme}://{url.netloc}{url.path}", params=kept, allow_redirects=False, timeout=10
    )
    assert reply.status_code != 302
    assert "redirect" in reply.json()["message"]
