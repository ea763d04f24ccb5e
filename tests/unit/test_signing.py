"""Signing against the test vectors in shopee-ads-api.md §2.1."""

from typing import Any

from adsync.shopee.signing import base_string, sign

KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


def test_shop_api_vector() -> None:
    params: dict[str, Any] = {
        "partner_id": 2001887,
        "path": "/api/v2/ads/get_all_cpc_ads_daily_performance",
        "timestamp": 1700000000,
        "access_token": "71594a4c54537649697341796363674a",
        "shop_id": 322300222,
    }
    assert base_string(**params) == (
        "2001887/api/v2/ads/get_all_cpc_ads_daily_performance1700000000"
        "71594a4c54537649697341796363674a322300222"
    )
    assert sign(partner_key=KEY, **params) == (
        "38cbbe044098d03cab5b360f65aa066cb7cd2154e3e0ffdcef01f7d52b9d797b"
    )


def test_public_api_vector() -> None:
    signature = sign(
        partner_key=KEY,
        partner_id=2001887,
        path="/api/v2/auth/access_token/get",
        timestamp=1700000000,
    )
    assert signature == "e6dc3f1ccf6d0270d49409c61057e57c285469dd9a842f1ac1bdba7996aaa39b"


def test_signature_is_lower_case_hex() -> None:
    signature = sign(partner_key="k", partner_id=1, path="/p", timestamp=2)
    assert len(signature) == 64
    assert signature == signature.lower()
