"""Every knob of the simulated gateway, with defaults from doc §11.

Documented behaviour is the default; each unknown of the real API (doc §13) is a setting
so client tests can run against either answer. Must not hold state.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

# Clearly fake: local test keys, never a real partner's.
FAKE_PARTNER_KEY = "fa4e" * 16
FAKE_PARTNER_KEY_2 = "fb5e" * 16


@dataclass(frozen=True, kw_only=True)
class PartnerApp:
    """One partner app the simulated Shopee knows: its key and its own limits."""

    partner_id: int
    partner_key: str = field(repr=False)
    rate: float | None = None  # requests per second for the whole app; None = off
    burst: int = 50
    daily_quota: int | None = None  # resets 00:00 UTC+8 -> error_limit


@dataclass(frozen=True, kw_only=True)
class SimulatorSettings:
    partner_id: int = 2001887
    partner_key: str = FAKE_PARTNER_KEY
    # More partner apps (agencies run several); the one above takes the knobs below.
    other_partners: tuple[PartnerApp, ...] = ()

    # Signing and timestamps (doc §2).
    timestamp_max_age: timedelta = timedelta(seconds=300)
    timestamp_max_future: timedelta = timedelta(seconds=60)
    sign_case_insensitive: bool = False

    # Tokens (doc §3).
    auth_code_ttl: timedelta = timedelta(seconds=600)
    access_token_ttl: timedelta = timedelta(seconds=14_400)
    refresh_token_ttl: timedelta = timedelta(days=30)
    old_access_token_grace: timedelta = timedelta(seconds=300)
    authorization_ttl: timedelta = timedelta(days=365)
    # Code for an unknown/expired access token on a shop API ("error_auth" is the alternative).
    invalid_token_error: str = "invalid_acceess_token"

    # HTTP status of rejections; other business errors are 200.
    throttle_http_status: int = 429
    server_error_http_status: int = 500

    # Ads data rules (doc §6, §8).
    history_months: int = 6
    max_date_span_days: int = 30
    enforce_same_start_end: bool = True
    gms_allow_same_day: bool = True
    # The doc's parameter text says 3 months, its error text 1 month: default to the safe one.
    gms_max_date_span_days: int = 30
    max_campaign_ids: int = 100
    id_list_default_limit: int = 5000
    id_list_max_limit: int = 5000  # larger limits are silently capped
    gms_default_limit: int = 50
    gms_max_limit: int = 100  # larger -> error_query_limit_max
    # "array" (doc) or "object" (some clients) for product-level performance responses.
    product_performance_shape: Literal["array", "object"] = "array"
    # Omit campaigns/days/hours without activity (default) or return them as zero rows.
    # `Simulator.truth` follows the same rule.
    omit_zero_rows: bool = True
    # Whether deleted campaigns still appear in the campaign id list.
    list_deleted_campaigns: bool = False

    # Metrics model (doc §7, §8).
    money_decimals: int = 2
    ratio_decimals: int = 4
    # Unit of the shop-level ratios (ctr, *_conversions): the product-level doc says
    # percent, the shop-level doc omits it and public fixtures show fractions (doc §7).
    shop_ratio_unit: Literal["percent", "fraction"] = "percent"
    attribution_window: timedelta = timedelta(days=7)
    attribution_initial_share: float = 0.5
    # Added to the expense of every daily row (campaign and shop): the doc never says
    # that a day's money is the sum of its hours' (§7), so a sync must cope with a
    # Shopee whose daily rows differ from those sums (0: they are the sums, §11).
    daily_expense_offset: float = 0.0

    # Throttling (doc §5): requests per second and burst per bucket; None = off.
    partner_rate: float | None = None
    partner_burst: int = 50
    shop_rate: float | None = None
    shop_burst: int = 10
    api_rate: float | None = None
    api_burst: int = 50
    daily_quota: int | None = None  # per partner, resets 00:00 UTC+8 -> error_limit

    # Response time of every call, the simulator's own work included: uniform between
    # min and max milliseconds (a call whose work takes longer answers when it is done).
    latency_min_ms: int = 0
    latency_max_ms: int = 0

    def apps(self) -> tuple[PartnerApp, ...]:
        """Every partner app: the main one (with the partner_* knobs) first."""
        main = PartnerApp(
            partner_id=self.partner_id,
            partner_key=self.partner_key,
            rate=self.partner_rate,
            burst=self.partner_burst,
            daily_quota=self.daily_quota,
        )
        return (main, *self.other_partners)

    def app(self, partner_id: int) -> PartnerApp | None:
        return next((a for a in self.apps() if a.partner_id == partner_id), None)
