"""Request signing as the Shopee gateway checks it (doc §2).

Owns the base strings and the HMAC-SHA256 signature. Deliberately written from the doc,
not shared with the client package: a signing bug common to both sides would pass every
test while failing against the real gateway.
"""

import hashlib
import hmac


def public_base_string(*, partner_id: int, path: str, timestamp: int) -> str:
    """Base string of public APIs (auth endpoints): partner_id + path + timestamp."""
    return f"{partner_id}{path}{timestamp}"


def shop_base_string(
    *, partner_id: int, path: str, timestamp: int, access_token: str, shop_id: int
) -> str:
    """Base string of shop APIs (all ads endpoints)."""
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def sign(*, partner_key: str, base_string: str) -> str:
    """Lower-case hex HMAC-SHA256; the key is the partner_key text itself, not hex-decoded."""
    return hmac.new(
        partner_key.encode("utf-8"), base_string.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def is_valid_sign(*, expected: str, given: str, case_insensitive: bool) -> bool:
    """Constant-time comparison; upper-case hex is only accepted when configured."""
    if case_insensitive:
        given = given.lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))
