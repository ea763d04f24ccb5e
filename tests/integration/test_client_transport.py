"""Transport behaviour over real HTTP: 5xx and dropped connections are retried, business
errors are not, timeouts become ShopeeTransportError, and no token reaches an error."""

import time
import traceback
from datetime import timedelta

import pytest

from adsync.config import PartnerCredentials
from adsync.shopee import (
    AuthExpiredError,
    AuthorizationEndedError,
    BadRequestError,
    ShopAuth,
    ShopeeClient,
    ShopeeError,
    ShopeeServerError,
    ShopeeTransportError,
    ThrottledError,
)
from adsync.shopee.transport import Transport, time_limit
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.shopee import client_for

ID_LIST = "/api/v2/ads/get_product_level_campaign_id_list"
REFRESH = "/api/v2/auth/access_token/get"


def shop_auth(stack: LocalStack) -> ShopAuth:
    shop_id = next(s.shop_id for s in stack.simulator.world.shops if s.campaign_count)
    pair = stack.simulator.issue_tokens(shop_id)
    return ShopAuth(shop_id=shop_id, access_token=pair.access_token)


def everything_said(exc: BaseException) -> str:
    """Message, repr and the whole printed chain: what any log line could show."""
    return f"{exc}\n{exc!r}\n" + "".join(traceback.format_exception(exc))


def test_a_5xx_is_retried_then_succeeds(stack: LocalStack, clock: FrozenClock) -> None:
    auth = shop_auth(stack)
    stack.simulator.faults.fail_next(1, http_status=500, path=ID_LIST)
    refs = client_for(stack, clock).get_campaign_ids(auth)
    assert [r.campaign_id for r in refs] == list(stack.simulator.truth.campaign_ids(auth.shop_id))
    assert stack.simulator.counters.calls_to(ID_LIST) == 2


def test_a_dropped_connection_is_retried(stack: LocalStack, clock: FrozenClock) -> None:
    auth = shop_auth(stack)
    stack.simulator.faults.drop_next(1, path=ID_LIST)
    assert client_for(stack, clock).get_campaign_ids(auth)
    assert stack.simulator.counters.calls_to(ID_LIST) == 2


def test_persistent_5xx_gives_up_after_the_attempts(stack: LocalStack, clock: FrozenClock) -> None:
    auth = shop_auth(stack)
    stack.simulator.faults.fail_next(5, http_status=503, path=ID_LIST)
    with pytest.raises(ShopeeServerError) as caught:
        client_for(stack, clock).get_campaign_ids(auth)
    assert caught.value.code == "error_server"
    assert stack.simulator.counters.calls_to(ID_LIST) == 3


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("error_param", BadRequestError),
        ("ads.rate_limit.exceed_shop_api", ThrottledError),
        ("shop_banned", AuthorizationEndedError),
    ],
)
def test_a_business_error_is_not_retried(
    stack: LocalStack, clock: FrozenClock, code: str, kind: type[ShopeeError]
) -> None:
    auth = shop_auth(stack)
    stack.simulator.faults.fail_next(1, error=code, message="refused", path=ID_LIST)
    with pytest.raises(kind) as caught:
        client_for(stack, clock).get_campaign_ids(auth)
    assert caught.value.code == code
    assert stack.simulator.counters.calls_to(ID_LIST) == 1


def test_a_timeout_becomes_a_transport_error_without_the_token(
    stack: LocalStack, clock: FrozenClock
) -> None:
    auth = shop_auth(stack)
    stack.simulator.faults.slow_next(3, delay_s=0.6, path=ID_LIST)
    client = client_for(stack, clock, timeout=(2.0, 0.15))
    with pytest.raises(ShopeeTransportError) as caught:
        client.get_campaign_ids(auth)
    assert "Timeout" in str(caught.value)
    assert stack.simulator.counters.calls_to(ID_LIST) == 3
    said = everything_said(caught.value)
    assert auth.access_token not in said
    assert stack.simulator.settings.partner_key not in said


def test_one_slow_reply_is_retried(stack: LocalStack, clock: FrozenClock) -> None:
    auth = shop_auth(stack)
    stack.simulator.faults.slow_next(1, delay_s=0.6, path=ID_LIST)
    assert client_for(stack, clock, timeout=(2.0, 0.15)).get_campaign_ids(auth)
    assert stack.simulator.counters.calls_to(ID_LIST) == 2


def test_an_expired_token_error_does_not_show_the_token(
    stack: LocalStack, clock: FrozenClock
) -> None:
    auth = shop_auth(stack)
    stack.simulator.expire_access_token(auth.shop_id)
    with pytest.raises(AuthExpiredError) as caught:
        client_for(stack, clock).get_campaign_ids(auth)
    assert caught.value.code == "invalid_acceess_token"
    assert auth.access_token not in everything_said(caught.value)


def test_a_refused_refresh_does_not_show_the_tokens(stack: LocalStack, clock: FrozenClock) -> None:
    auth = shop_auth(stack)
    pair = stack.simulator.issue_tokens(auth.shop_id)
    client = client_for(stack, clock)
    grant = client.refresh_access_token(refresh_token=pair.refresh_token, shop_id=auth.shop_id)
    assert grant.expire_in_seconds == 14_400
    with pytest.raises(AuthorizationEndedError) as caught:  # single use: the second is refused
        client.refresh_access_token(refresh_token=pair.refresh_token, shop_id=auth.shop_id)
    said = everything_said(caught.value)
    for secret in (pair.refresh_token, pair.access_token, grant.access_token, grant.refresh_token):
        assert secret not in said
    assert stack.simulator.counters.calls_to(REFRESH) == 2


def test_requests_are_signed_with_the_injected_clock(stack: LocalStack, clock: FrozenClock) -> None:
    auth = shop_auth(stack)
    clock.advance(timedelta(minutes=1))
    assert client_for(stack, clock).get_campaign_ids(auth)
    late = client_for(stack, lambda: clock() - timedelta(minutes=10))
    with pytest.raises(BadRequestError) as caught:
        late.get_campaign_ids(auth)
    assert caught.value.code == "error_param"


def test_a_refused_connection_is_redacted() -> None:
    """requests puts the URL (with access_token and sign) in its message: we must not."""
    token = "0123456789abcdef" * 2
    client = ShopeeClient(
        Transport(
            base_url="http://127.0.0.1:9",  # discard port: nothing listens
            credentials=PartnerCredentials(partner_id=1, partner_key="k" * 64),
            sleep=lambda _: None,
        )
    )
    with pytest.raises(ShopeeTransportError) as caught:
        client.get_campaign_ids(ShopAuth(shop_id=5, access_token=token))
    said = everything_said(caught.value)
    assert "ConnectionError after 3 attempts" in said
    assert token not in said
    assert "access_token=***" in said


def test_debug_logging_of_the_http_library_shows_no_token_or_signature(
    stack: LocalStack, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Lambda's ApplicationLogLevel DEBUG sets the root logger to DEBUG; urllib3 then
    logs every request line, query string included (access_token, sign). Importing
    adsync.observability (every handler does) installs the redaction."""
    import logging

    import adsync.observability  # noqa: F401  (what every handler imports)

    auth = shop_auth(stack)
    stack.simulator.faults.fail_next(1, http_status=500, path=ID_LIST)  # a retry line too
    with caplog.at_level(logging.DEBUG):
        client_for(stack, clock).get_campaign_ids(auth)
    said = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("urllib3"))
    assert ID_LIST in said  # the lines are there, useful, ...
    assert auth.access_token not in said  # ... without the token
    assert "sign=***" in said and "access_token=***" in said


def test_calls_fit_in_the_time_the_lambda_has_left(stack: LocalStack, clock: FrozenClock) -> None:
    """Three slow replies would take 3 x the read timeout; with 1.5 s left the first
    attempt is cut to it and no retry starts (issue 12: a 61 s call vs a 45 s reserve)."""
    client = ShopeeClient(
        Transport(
            base_url=stack.server.base_url,
            credentials=PartnerCredentials(
                partner_id=stack.simulator.settings.partner_id,
                partner_key=stack.simulator.settings.partner_key,
            ),
            clock=clock,
            sleep=lambda _: None,
        )
    )
    shop = stack.simulator.world.shops[0]
    pair = stack.simulator.issue_tokens(shop.shop_id)
    auth = ShopAuth(shop_id=shop.shop_id, access_token=pair.access_token)
    path = "/api/v2/ads/get_all_cpc_ads_hourly_performance"
    stack.simulator.faults.slow_next(3, delay_s=3.0, path=path)
    ends_at = time.monotonic() + 1.5
    with time_limit(lambda: ends_at - time.monotonic()), pytest.raises(ShopeeTransportError):
        client.get_shop_hourly_performance(auth, day=clock().date())
    assert stack.simulator.counters.calls[path] == 1
