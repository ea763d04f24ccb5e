"""Request signing (shopee-ads-api.md §2): HMAC-SHA256 over a concatenated base string.

Shop APIs sign `partner_id + path + timestamp + access_token + shop_id`; public
(auth) APIs sign `partner_id + path + timestamp`. The result is lower-case hex.
"""

import hashlib
import hmac


def base_string(
    *,
    partner_id: int,
    path: str,
    timestamp: int,
    access_token: str = "",
    shop_id: int | None = None,
) -> str:
    """Concatenate the signed fields, with no separators, in Shopee's order."""
    tail = f"{access_token}{shop_id}" if shop_id is not None else ""
    return f"{partner_id}{path}{timestamp}{tail}"


def sign(
    *,
    partner_key: str,
    partner_id: int,
    path: str,
    timestamp: int,
    access_token: str = "",
    shop_id: int | None = None,
) -> str:
    """Return the 64-character lower-case hex signature of one request."""
    message = base_string(
        partner_id=partner_id,
        path=path,
        timestamp=timestamp,
        access_token=access_token,
        shop_id=shop_id,
    )
    return hmac.new(partner_key.encode(), message.encode(), hashlib.sha256).hexdigest()
