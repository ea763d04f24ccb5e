"""Partner apps: a Shopee app (partner_id) with its own key, host and request budget.

A partner row says where its key lives, never the key: `secret_ref` is a Secrets
Manager ARN or name (AWS; the secret is JSON `{"partner_id": ..., "partner_key": ...}`)
or `env:NAME` (a local environment variable holding the key). Reading the key is
`adsync.config.load_partner_key`'s job. This module validates values; it reads nothing.
"""

import re
from dataclasses import dataclass

from adsync.errors import ConfigError, ShopNotReadyError

ENV_REF_PREFIX = "env:"
MAX_PARTNER_ID = 0xFFFFFFFF  # Shopee: partner_id is 0..4294967295 (shopee-ads-api.md §2.2)
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# Shopee partner keys are long hex strings: a "reference" like this is the key itself.
_LOOKS_LIKE_A_KEY = re.compile(r"^[0-9a-fA-F]{32,}$")
_SECRET_REF = re.compile(
    r"^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:)?[\w/+=.@-]+$"
)


class PartnerUnknownError(ShopNotReadyError):
    """The shop belongs to no partner app we know: an operator must add or assign one."""


@dataclass(frozen=True, kw_only=True)
class Partner:
    """One Shopee partner app, as `apishopee_partners` holds it."""

    id: int
    name: str
    secret_ref: str
    base_url: str
    # None: the deployment's PARTNER_REQUESTS_PER_SECOND (its own budget row all the same)
    requests_per_second: float | None = None

    @property
    def budget_name(self) -> str:
        """The `apishopee_rate_budget` row of this app (one per partner_id)."""
        return budget_name(self.id)

    @property
    def env_key_name(self) -> str | None:
        """The environment variable holding the key (`env:NAME` refs), else None."""
        if self.secret_ref.startswith(ENV_REF_PREFIX):
            return self.secret_ref.removeprefix(ENV_REF_PREFIX)
        return None


def budget_name(partner_id: int) -> str:
    """The request budget row of a partner app: one budget (rate, pauses) per app."""
    return f"shopee-partner-{partner_id}"


def validate_partner(partner: Partner) -> Partner:
    """The partner if every field is usable; else a ConfigError naming the field."""
    if not 1 <= partner.id <= MAX_PARTNER_ID:
        raise ConfigError(f"partner id must be 1..{MAX_PARTNER_ID}, got {partner.id}")
    if not partner.name.strip():
        raise ConfigError("partner name must not be empty")
    if _LOOKS_LIKE_A_KEY.match(partner.secret_ref):
        raise ConfigError(
            "secret ref looks like a partner key itself: store the key in Secrets Manager "
            "and give the secret's name or ARN (a key is never stored in the database)"
        )
    env_name = partner.env_key_name
    if env_name is not None:
        if not _ENV_NAME.match(env_name):
            raise ConfigError(
                f"secret ref {partner.secret_ref!r}: env:NAME needs an upper-case name"
            )
    elif not _SECRET_REF.match(partner.secret_ref):
        raise ConfigError(
            f"secret ref {partner.secret_ref!r} is neither a Secrets Manager ARN or name "
            "nor env:NAME (a partner key itself is never stored here)"
        )
    if not partner.base_url.startswith(("https://", "http://")):
        raise ConfigError(f"partner base URL must start with https://, got {partner.base_url!r}")
    rate = partner.requests_per_second
    if rate is not None and not rate > 0:
        raise ConfigError(f"partner requests per second must be positive, got {rate}")
    return partner
