"""12.5: a refresh whose reply is lost neither resends the spent token nor parks the shop.

Shopee's refresh tokens are single use and the previous access token keeps working
for 5 minutes after a refresh (shopee-ads-api.md §3.3); nothing documents a grace
period for the previous refresh token. So a refresh that got no reply is uncertain:
the transport must not resend it (a resend of a token Shopee spent gets "Invalid
refresh_token" and used to park the shop at once), the shop stays active on its
current access token, an alarm metric counts it, and only a definitive answer to a
later, deliberate retry decides: a new pair (the first call never arrived) or a
refusal (the lost call spent it: the seller must authorize again, and the reason says
why).
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from adsync.config import PartnerCredentials
from adsync.db.connection import Database
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_shop
from adsync.shopee import AuthorizationEndedError, ShopeeReplyLostError, ShopeeTransportError
from adsync.shopee.transport import Transport
from local.stack import LocalStack
from tests.faults.conftest import assert_truth, job_rows
from tests.support.clock import FrozenClock
from tests.support.sqs import receive_event

REFRESH = "/api/v2/auth/access_token/get"
ACCESS_TTL = timedelta(hours=4)
IN_THE_MARGIN = ACCESS_TTL - timedelta(minutes=9)  # the 10-minute refresh margin


@pytest.fixture
def deps(stack: LocalStack, clock: FrozenClock) -> Iterator[Dependencies]:
    built = Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)
    yield built
    built.close()


@pytest.fixture
def shop_id(stack: LocalStack, deps: Dependencies, db: Database) -> int:
    """One onboarded shop with campaigns, the only active one."""
    shop = next(s for s in stack.simulator.world.shops if s.campaign_count)
    code = stack.simulator.authorize(shop.shop_id)
    onboard_shop(deps, shop_id=shop.shop_id, region=shop.region, code=code)
    return shop.shop_id


def shop_row(db: Database, shop_id: int) -> dict[str, Any]:
    row = db.one("SELECT * FROM apishopee_shops WHERE shop_id = :s", s=shop_id)
    assert row is not None
    return row


def test_a_lost_refresh_reply_is_not_resent_and_keeps_the_shop(
    stack: LocalStack, deps: Dependencies, db: Database, clock: FrozenClock, shop_id: int
) -> None:
    before = shop_row(db, shop_id)
    clock.advance(IN_THE_MARGIN)
    stack.simulator.faults.lose_reply_next(path=REFRESH)  # Shopee rotates; we never hear

    auth = deps.tokens.auth_for(shop_id)

    assert stack.simulator.counters.calls_to(REFRESH) == 1  # the spent token not resent
    assert auth.access_token == before["access_token"]  # still valid: 5-minute grace
    assert deps.shopee.get_campaign_ids(auth)
    row = shop_row(db, shop_id)
    assert row["status"] == "active"
    assert row["refresh_uncertain_since"] == clock()
    assert row["refresh_token"] == before["refresh_token"]

    # Within the settling time nothing is sent again; the current token serves.
    clock.advance(timedelta(seconds=30))
    assert deps.tokens.auth_for(shop_id).access_token == before["access_token"]
    assert stack.simulator.counters.calls_to(REFRESH) == 1

    # Once the old token is refused, one deliberate retry gets Shopee's definitive
    # answer: the lost call spent the refresh token. Parked, saying why.
    clock.advance(timedelta(minutes=5))
    with pytest.raises(AuthorizationEndedError, match="Invalid refresh_token"):
        deps.tokens.call(shop_id, deps.shopee.get_campaign_ids)
    assert stack.simulator.counters.calls_to(REFRESH) == 2
    row = shop_row(db, shop_id)
    assert row["status"] == "needs_reauth"
    assert "no reply" in row["status_reason"]
    assert "authorize" in row["status_reason"]


def test_a_refresh_dropped_before_shopee_applied_it_succeeds_on_the_retry(
    stack: LocalStack, deps: Dependencies, db: Database, clock: FrozenClock, shop_id: int
) -> None:
    before = shop_row(db, shop_id)
    clock.advance(IN_THE_MARGIN)
    stack.simulator.faults.drop_next(path=REFRESH)  # closed before Shopee did anything

    assert deps.tokens.auth_for(shop_id).access_token == before["access_token"]
    assert shop_row(db, shop_id)["refresh_uncertain_since"] == clock()

    clock.advance(timedelta(minutes=2))
    auth = deps.tokens.auth_for(shop_id)

    assert auth.access_token != before["access_token"]
    assert deps.shopee.get_campaign_ids(auth)
    row = shop_row(db, shop_id)
    assert (row["status"], row["refresh_uncertain_since"]) == ("active", None)
    assert stack.simulator.counters.calls_to(REFRESH) == 2


def test_a_job_whose_refresh_reply_is_lost_completes_without_an_attempt(
    stack: LocalStack, db: Database, clock: FrozenClock, shop_id: int
) -> None:
    db.run("DELETE FROM apishopee_shops WHERE shop_id <> :s", s=shop_id)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    clock.advance(IN_THE_MARGIN)
    stack.simulator.faults.lose_reply_next(path=REFRESH)

    reply = stack.invoke("worker", receive_event(stack, 1))

    assert reply == {"batchItemFailures": []}
    assert [(j["status"], j["retry_count"]) for j in job_rows(db)] == [("completed", 0)]
    assert shop_row(db, shop_id)["status"] == "active"
    assert_truth(stack, db, [shop_id])


def test_a_call_that_never_connected_is_resent_even_when_it_must_not_run_twice(
    stack: LocalStack,
) -> None:
    """Connection refused: the request never left, so retrying it is safe."""
    attempts: list[str] = []
    transport = Transport(
        base_url="http://127.0.0.1:1",
        credentials=PartnerCredentials(partner_id=1, partner_key="k" * 64),
        sleep=lambda _: None,
        on_call=attempts.append,
    )
    with pytest.raises(ShopeeTransportError) as caught:
        transport.call("POST", REFRESH, body={}, resend=False)
    assert not isinstance(caught.value, ShopeeReplyLostError)
    assert len(attempts) == 3
