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
    `shop_id` (a shop account) or `main_account_id` (a main account, for all its shops).
    The simulator consents at once, for the main account named by its own
    `main_account_id` parameter, else the shop named by `shop_id` (the seller's choice),
    else its first shop."""
    redirect = params.text(call.params, "redirect")
    if not redirect:
        raise param_error("There is no redirect in query.")
    world = call.backend.world
    if call.params.get("main_account_id"):
        main_account_id = params.integer(call.params, "main_account_id")
        shops = world.main_account_shops(main_account_id)
        if not shops:
            raise ApiError("invalid_main_acount_id", "Invalid main_account_id.")
        code = call.backend.tokens.authorize_main_account(
            main_account_id, tuple(s.shop_id for s in shops), now=call.now
        )
        back: tuple[str, int] = ("main_account_id", main_account_id)
    else:
        chosen = params.integer(call.params, "shop_id") if call.params.get("shop_id") else None
        shop = world.shop(chosen) if chosen is not None else world.shops[0]
        if shop is None:
            raise ApiError("error_shop", "shopid is invalid")
        code = call.backend.tokens.authorize(shop.shop_id, now=call.now)
        back = ("shop_id", shop.shop_id)
    parts = urlsplit(redirect)
    query = urlencode([*parse_qsl(parts.query), ("code", code), back])
    return urlunsplit(parts._replace(query=query))


def get_token(call: Call) -> dict[str, Any]:
    code = params.text(call.params, "code")
    assert code is not None
    _check_partner(call)
    if "main_account_id" in call.params:
        if "shop_id" in call.params:
            raise param_error("Send exactly one of shop_id and main_account_id.")
        main_account_id = params.integer(call.params, "main_account_id")
        if call.backend.world.main_account_shops(main_account_id) is None:
            raise ApiError("invalid_main_acount_id", "Invalid main_account_id.")
        pair, shop_ids = call.backend.tokens.exchange_main_account_code(
            code, main_account_id=main_account_id, now=call.now
        )
        # Merchants (cross-border) are not simulated: shops only.
        return {**_pair_fields(call, pair), "shop_id_list": list(shop_ids), "merchant_id_list": []}
    shop_id = _body_ids(call)
    pair = call.backend.tokens.exchange_code(code, shop_id=shop_id, now=call.now)
    return {**_pair_fields(call, pair), "shop_id_list": [], "merchant_id_list": []}


def refresh_token(call: Call) -> dict[str, Any]:
    token = params.text(call.params, "refresh_token")
    assert token is not None
    _check_partner(call)
    shop_id = _body_ids(call)
    pair = call.backend.tokens.refresh(token, shop_id=shop_id, now=call.now)
    return {
        "partner_id": params.integer(call.params, "partner_id"),
        "shop_id": shop_id,
        **_pair_fields(call, pair),
    }


def shop_info(call: Call) -> dict[str, Any]:
    """v2.shop.get_shop_info (§3.4): fields at the top level, auth_time and expire_time
    in Unix seconds, 365 days apart unless the settings say otherwise."""
    shop = call.shop_spec
    window = call.backend.tokens.authorization_window(shop.shop_id)
    assert window is not None  # the gateway checked the token, hence the authorization
    return {
        "shop_name": call.backend.world.shop_name(shop.shop_id),
        "region": shop.region,
        "status": "NORMAL",
        "is_cb": False,
        "is_sip": False,
        "auth_time": int(window.granted_at.timestamp()),
        "expire_time": int(window.expires_at.timestamp()),
    }


def _check_partner(call: Call) -> None:
    partner_id = params.integer(call.params, "partner_id")
    if call.backend.settings.app(partner_id) is None:
        raise param_error("partner_id in body does not match the query.")


def _body_ids(call: Call) -> int:
    if "main_account_id" in call.params or "merchant_id" in call.params:
        # Refresh is per shop (§3.3); merchants are not simulated.
        raise ApiError("invalid_main_acount_id", "Refresh each shop with its shop_id.")
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
