"""`ShopeeClient`: the one object callers hold, and the auth (public API) calls.

The signed call and its retries live in `transport.py`; the ads endpoints in `ads.py`
(CPC) and `gms.py` (Product GMS), mixed in here. Tokens are sent, never logged or
put in an exception. Knows nothing of the database: storing a refreshed pair is the
caller's job (`adsync.services.tokens`).
"""

from typing import Any

import requests

from adsync.shopee.ads import AdsApi
from adsync.shopee.errors import ShopeeError
from adsync.shopee.gms import GmsApi
from adsync.shopee.models import MainAccountGrant, ShopInfo, TokenGrant
from adsync.shopee.transport import RetryPolicy, ShopAuth, Transport

__all__ = ["RetryPolicy", "ShopAuth", "ShopeeClient", "Transport"]


class ShopeeClient(AdsApi, GmsApi):
    """The Shopee Open Platform client: the Ads and GMS APIs over one signed transport."""

    def __init__(self, transport: Transport) -> None:
        """A client whose calls go through `transport` (base URL, credentials, clock,
        timeouts, retries: see `Transport`)."""
        self._transport = transport

    def __repr__(self) -> str:
        return f"ShopeeClient(base_url={self._transport.base_url!r})"

    # -- auth (public APIs) ----------------------------------------------------------

    def authorization_url(self, redirect_url: str) -> str:
        """The link a seller opens to authorize this app (valid 5 minutes)."""
        path = "/api/v2/shop/auth_partner"
        request = requests.Request(
            "GET",
            self._transport.base_url + path,
            params={**self._transport.common_params(path, None), "redirect": redirect_url},
        ).prepare()
        return str(request.url)

    def exchange_code(self, *, code: str, shop_id: int) -> TokenGrant:
        """Trade the single-use code from the seller's redirect for a token pair."""
        partner_id = self._transport.credentials.partner_id
        body = {"code": code, "shop_id": shop_id, "partner_id": partner_id}
        payload = self._transport.call("POST", "/api/v2/auth/token/get", body=body)
        return self._grant(payload, shop_id)

    def exchange_main_account_code(self, *, code: str, main_account_id: int) -> MainAccountGrant:
        """Trade a main account's code for the one pair all its shops share (§3.2)."""
        partner_id = self._transport.credentials.partner_id
        body = {"code": code, "main_account_id": main_account_id, "partner_id": partner_id}
        payload = self._transport.call("POST", "/api/v2/auth/token/get", body=body)
        try:
            return MainAccountGrant(
                main_account_id=main_account_id,
                access_token=str(payload["access_token"]),
                refresh_token=str(payload["refresh_token"]),
                expire_in_seconds=int(payload["expire_in"]),
                shop_ids=tuple(int(s) for s in payload.get("shop_id_list") or ()),
                merchant_ids=tuple(int(m) for m in payload.get("merchant_id_list") or ()),
            )
        except (KeyError, TypeError, ValueError):
            # Not chained: the foreign exception could quote a token.
            raise ShopeeError(
                "main-account token reply lacks access_token/refresh_token/expire_in "
                "or has a malformed shop_id_list"
            ) from None

    def get_shop_info(self, auth: ShopAuth) -> ShopInfo:
        """Name, region and authorization window of one shop (§3.4; fields top level)."""
        payload = self._transport.call("GET", "/api/v2/shop/get_shop_info", auth=auth)
        return ShopInfo.from_api(shop_id=auth.shop_id, raw=payload)

    def refresh_access_token(self, *, refresh_token: str, shop_id: int) -> TokenGrant:
        """Spend a single-use refresh token for a new pair (store it before using it)."""
        body = {
            "refresh_token": refresh_token,
            "shop_id": shop_id,
            "partner_id": self._transport.credentials.partner_id,
        }
        # Never resent: Shopee may have spent the token even if no reply came back.
        payload = self._transport.call(
            "POST", "/api/v2/auth/access_token/get", body=body, resend=False
        )
        return self._grant(payload, shop_id)

    @staticmethod
    def _grant(payload: dict[str, Any], shop_id: int) -> TokenGrant:
        try:
            return TokenGrant(
                shop_id=int(payload.get("shop_id") or shop_id),
                access_token=str(payload["access_token"]),
                refresh_token=str(payload["refresh_token"]),
                expire_in_seconds=int(payload["expire_in"]),
            )
        except (KeyError, TypeError, ValueError):
            # Not chained: the foreign exception could quote a token.
            raise ShopeeError("token reply lacks access_token/refresh_token/expire_in") from None
