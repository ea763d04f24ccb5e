"""The public token endpoints: auth/token/get and auth/access_token/get (doc §3.2, §3.3).

Their replies carry fields at the top level (no `response` wrapper). Token rules live in
`TokenStore`; this module only reads the body and shapes the reply.
"""

from typing import Any

from local.simulator.backend import Call
from local.simulator.endpoints import params
from local.simulator.errors import ApiError, param_error
from local.simulator.tokens import TokenPair


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
        "partner_id": call.backend.settings.partner_id,
        "shop_id": shop_id,
        **_pair_fields(call, pair),
    }


def _body_ids(call: Call) -> int:
    partner_id = params.integer(call.params, "partner_id")
    if partner_id != call.backend.settings.partner_id:
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
