"""The public token endpoints: auth/token/get and auth/access_token/get (doc §3.2, §3.3).

Their replies carry fields at the top level (no `response` wrapper). Token rules live in
`TokenStore`; this module only reads the body and shapes the reply.
"""

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from local.simulator.backend import Call
from local.simulator.endpoints import params
from local.simulator.errors import ApiError, param_error
from local.simulator.tokens import TokenPair


def authorize_partner(call: Call) -> str:
    """The seller's side of the authorization link (§3.1): Shopee shows a login page and,
    once the seller consents, sends the browser back to `redirect` with `code` and
    `shop_id`. The simulator consents at once, for the shop named by its own `shop_id`
    parameter (the seller's choice), else its first shop."""
    redirect = params.text(call.params, "redirect")
    if not redirect:
        raise param_error("There is no redirect in query.")
    world = call.backend.world
    chosen = params.integer(call.params, "shop_id") if call.params.get("shop_id") else None
    shop = world.shop(chosen) if chosen is not None else world.shops[0]
    if shop is None:
        raise ApiError("error_shop", "shopid is invalid")
    code = call.backend.tokens.authorize(shop.shop_id, now=call.now)
    parts = urlsplit(redirect)
    query = urlencode([*parse_qsl(parts.query), ("code", code), ("shop_id", shop.shop_id)])
    return urlunsplit(parts._replace(query=query))


def get_token(call: Call) -> dict[str, Any]:
    code = params.text(call.params, "code")
    assert code is not None
    shop_id = _body_ids(call)
    pair = call.backend.tokens.exchange_code(code, shop_id=shop_id, now=call.now)
    return {**_pair_fields(call, pair), "shop_id_list": [], "merchant_id_list": []}


def refresh_token(call: Call) -> dict[str, Any]:
    token = params.text(call.params, "refresh_token")
    assert token is not None
    shop_id = _body_ids(call)
    pair = call.backend.tokens.refresh(token, shop_id=shop_id, now=call.now)
    return {
        "partner_id": params.integer(call.params, "partner_id"),
        "shop_id": shop_id,
        **_pair_fields(call, pair),
    }


def _body_ids(call: Call) -> int:
    partner_id = params.integer(call.params, "partner_id")
    if call.backend.settings.app(partner_id) is None:
        raise param_error("partner_id in body does not match the query.")
    if "main_account_id" in call.params or "merchant_id" in call.params:
        # The simulator only models shop-account authorizations.
        raise ApiError("invalid_main_acount_id", "Main accounts are not simulated.")
    shop_id = params.integer(call.params, "shop_id")
    if call.backend.world.shop(shop_id) is None:
        raise ApiError("invalid_shop_id", "Invalid shop_id.")
    return shop_id


def _pair_fields(call: Call, pair: TokenPair) -> dict[str, Any]:
    expire_in = int((pair.access_expires_at - call.now).total_seconds())
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expire_in": expire_in,
    }
