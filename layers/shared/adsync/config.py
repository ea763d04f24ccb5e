"""Settings read from the environment, and the secrets they point to.

In AWS the database and the Shopee partner key come from Secrets Manager (cached by
Powertools Parameters); locally from `DATABASE_URL`, `SHOPEE_PARTNER_ID` and
`SHOPEE_PARTNER_KEY`. Secrets never appear in a repr, a log line or an error.
This module does not connect to anything except Secrets Manager.

TLS is named as libpq names it (`sslmode`, see `SslMode`); `DB_SSL` also accepts
`verify` (= verify-full). An unknown mode is a ConfigError when settings load, never a
silent plaintext connection. What each mode does on the wire lives in `adsync.db.tls`.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from adsync.errors import ConfigError

PRIORITIES = (0, 1, 2, 3)
# The one range of each bounded setting; template.yaml's MinValue/MaxValue equal them
# (tests/template check it), so a value that deploys is a value the code takes.
ATTRIBUTION_WINDOW_DAYS = range(1, 31)  # days the lookback re-syncs
# Shopee attributes an order to a click up to 7 days later (shopee-ads-api.md §7.2):
# day D can change until D + this window has ended in the shop's zone.
ATTRIBUTION_WINDOW_DEFAULT = 7
WORKER_THREADS = range(1, 11)  # records of a batch (at most 10) run side by side
DEFAULT_SHOPEE_BASE_URL = "https://partner.shopeemobile.com"
# Where partner keys live in Secrets Manager; template.yaml's PartnerSecretPrefix default.
DEFAULT_PARTNER_SECRET_PREFIX = "shopee-ads-sync/partners/"


class SslMode(StrEnum):
    """libpq's `sslmode` values, with libpq's promises ("SSL Mode Descriptions",
    https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION):

    | mode        | eavesdropping protection | MITM protection                 |
    | disable     | no                       | no                              |
    | allow       | maybe                    | no                              |
    | prefer      | maybe                    | no                              |
    | require     | yes                      | no                              |
    | verify-ca   | yes                      | depends on CA policy            |
    | verify-full | yes                      | yes (chain and host name)       |

    libpq's default is `prefer`. How pg8000 is made to keep each promise (and where
    it cannot follow libpq to the letter) is in `adsync.db.tls`.
    """

    DISABLE = "disable"
    ALLOW = "allow"
    PREFER = "prefer"
    REQUIRE = "require"
    VERIFY_CA = "verify-ca"
    VERIFY_FULL = "verify-full"


# DB_SSL (the AWS path; the template sets `verify`) takes libpq's names and this alias.
DB_SSL_ALIASES = {"verify": SslMode.VERIFY_FULL}


def parse_sslmode(raw: str, *, source: str) -> SslMode:
    """`raw` as an SslMode, or a ConfigError naming `source` and the values allowed."""
    value = raw.strip().lower()
    if value in DB_SSL_ALIASES:
        return DB_SSL_ALIASES[value]
    try:
        return SslMode(value)
    except ValueError:
        allowed = ", ".join([*(m.value for m in SslMode), *DB_SSL_ALIASES])
        raise ConfigError(f"{source} must be one of {allowed}; got {raw!r}") from None


@dataclass(frozen=True, kw_only=True)
class DatabaseSettings:
    """Where Postgres is and how to reach it.

    `connect_timeout_seconds` bounds opening a connection (TCP, TLS, authentication);
    `statement_timeout_seconds` is the longest the client waits for a reply to one
    statement before it gives the connection up. The server-side cut is the role's
    `statement_timeout` default (README), never a SET: a SET pins RDS Proxy sessions.
    """

    host: str | None
    port: int
    database: str
    user: str
    password: str | None = field(default=None, repr=False)
    unix_sock: str | None = None
    sslmode: SslMode = SslMode.PREFER
    sslrootcert: str | None = None  # a CA file, or "system"; verify modes default to RDS's
    connect_timeout_seconds: float = 10.0
    statement_timeout_seconds: float = 30.0


@dataclass(frozen=True, kw_only=True)
class PartnerCredentials:
    """The Shopee app's identity. The key signs requests and is never shown."""

    partner_id: int
    partner_key: str = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the services need that is not a secret."""

    queue_urls: Mapping[int, str]
    # DEAD_LETTER_QUEUE_URL_<n>: set for the admin function only (status reads their depth)
    dead_letter_queue_urls: Mapping[int, str] = field(default_factory=dict)
    shopee_base_url: str = DEFAULT_SHOPEE_BASE_URL
    retry_delay: timedelta = timedelta(minutes=5)
    job_retention: timedelta = timedelta(days=7)
    lease_duration: timedelta = timedelta(minutes=15)
    attribution_window_days: int = ATTRIBUTION_WINDOW_DEFAULT
    worker_threads: int = 3
    max_receive_count: int = 3
    step_reserve: timedelta = timedelta(seconds=45)
    partner_requests_per_second: float | None = None  # None: no budget of our own
    # Where Shopee sends a seller back after (re-)authorizing; status and shops then show
    # a ready re-authorization link for shops whose authorization runs out (None: the
    # command that makes one).
    auth_redirect_url: str | None = None

    def queue_url(self, priority: int) -> str:
        """The URL of the queue serving `priority`; ConfigError if none is configured."""
        try:
            return self.queue_urls[priority]
        except KeyError:
            raise ConfigError(f"no queue URL configured for priority {priority}") from None


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _ranged_int_env(env: Mapping[str, str], name: str, default: int, allowed: range) -> int:
    value = _int_env(env, name, default)
    if value not in allowed:
        raise ConfigError(f"{name} must be {allowed.start}..{allowed.stop - 1}, got {value}")
    return value


def _seconds_env(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if seconds <= 0:
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return seconds


def _rate_env(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        rate = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    return rate if rate > 0 else None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the non-secret settings from the environment."""
    env = os.environ if env is None else env
    queue_urls = {p: env[f"QUEUE_URL_{p}"] for p in PRIORITIES if env.get(f"QUEUE_URL_{p}")}
    dead_letter_queue_urls = {
        p: env[f"DEAD_LETTER_QUEUE_URL_{p}"]
        for p in PRIORITIES
        if env.get(f"DEAD_LETTER_QUEUE_URL_{p}")
    }
    return Settings(
        queue_urls=queue_urls,
        dead_letter_queue_urls=dead_letter_queue_urls,
        shopee_base_url=env.get("SHOPEE_BASE_URL") or DEFAULT_SHOPEE_BASE_URL,
        retry_delay=timedelta(seconds=_int_env(env, "RETRY_DELAY_SECONDS", 300)),
        job_retention=timedelta(days=_int_env(env, "JOB_RETENTION_DAYS", 7)),
        lease_duration=timedelta(seconds=_int_env(env, "JOB_LEASE_SECONDS", 900)),
        attribution_window_days=_ranged_int_env(
            env, "ATTRIBUTION_WINDOW_DAYS", ATTRIBUTION_WINDOW_DEFAULT, ATTRIBUTION_WINDOW_DAYS
        ),
        worker_threads=_ranged_int_env(env, "WORKER_THREADS", 3, WORKER_THREADS),
        max_receive_count=_int_env(env, "MAX_RECEIVE_COUNT", 3),
        step_reserve=timedelta(seconds=_int_env(env, "STEP_RESERVE_SECONDS", 45)),
        partner_requests_per_second=_rate_env(env, "PARTNER_REQUESTS_PER_SECOND"),
        auth_redirect_url=env.get("AUTH_REDIRECT_URL", "").strip() or None,
    )


def _read_secret(arn: str, *, fresh: bool = False) -> dict[str, Any]:
    """The secret as a dict; `fresh` bypasses Powertools' cache (after a rotation)."""
    # Imported here so that local runs and unit tests never touch Secrets Manager.
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_secret(arn, transform="json", max_age=300, force_fetch=fresh)
    except Exception as exc:  # Powertools wraps botocore errors in its own types
        raise ConfigError(f"cannot read secret {arn}: {type(exc).__name__}") from exc
    if not isinstance(value, dict):
        raise ConfigError(f"secret {arn} is not a JSON object")
    return value


def database_from_url(url: str) -> DatabaseSettings:
    """Parse `postgresql://user:pass@host:port/db?host=/socket/dir&sslmode=...`.

    Query parameters as libpq reads them: `host` (a socket directory), `sslmode`
    (default prefer), `sslrootcert`, `connect_timeout` (seconds).
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ConfigError("DATABASE_URL must start with postgresql://")
    query = {name: values[-1] for name, values in parse_qs(parsed.query).items()}
    socket_dir = query.get("host")
    port = parsed.port or 5432
    sslmode = parse_sslmode(query.get("sslmode", "prefer"), source="DATABASE_URL sslmode")
    connect_timeout = _seconds_env(query, "connect_timeout", 10.0)
    return DatabaseSettings(
        host=None if socket_dir else (parsed.hostname or "127.0.0.1"),
        port=port,
        database=unquote(parsed.path.lstrip("/")) or "postgres",
        user=unquote(parsed.username or "postgres"),
        password=unquote(parsed.password) if parsed.password else None,
        unix_sock=f"{socket_dir}/.s.PGSQL.{port}" if socket_dir else None,
        sslmode=sslmode,
        sslrootcert=query.get("sslrootcert") or None,
        connect_timeout_seconds=connect_timeout,
    )


def load_database_settings(
    env: Mapping[str, str] | None = None, *, fresh: bool = False
) -> DatabaseSettings:
    """`DATABASE_URL` if set, else the RDS secret named by `DB_SECRET_ARN` (`fresh`:
    read past the cache). `DB_CONNECT_TIMEOUT_SECONDS` and `DB_STATEMENT_TIMEOUT_SECONDS`
    apply to both."""
    env = os.environ if env is None else env
    if env.get("DATABASE_URL"):
        settings = database_from_url(env["DATABASE_URL"])
    else:
        arn = env.get("DB_SECRET_ARN")
        if not arn:
            raise ConfigError("set DATABASE_URL (local) or DB_SECRET_ARN (AWS)")
        # Checked before the secret is read: a typo fails at start-up, not after a call.
        sslmode = parse_sslmode(env.get("DB_SSL") or "verify-full", source="DB_SSL")
        secret = _read_secret(arn, fresh=fresh)
        settings = DatabaseSettings(
            host=env.get("DB_HOST") or secret.get("host"),
            port=int(env.get("DB_PORT") or secret.get("port") or 5432),
            database=env.get("DB_NAME") or secret.get("dbname") or "postgres",
            user=secret.get("username") or "postgres",
            password=secret.get("password"),
            sslmode=sslmode,
        )
    return replace(
        settings,
        connect_timeout_seconds=_seconds_env(
            env, "DB_CONNECT_TIMEOUT_SECONDS", settings.connect_timeout_seconds
        ),
        statement_timeout_seconds=_seconds_env(
            env, "DB_STATEMENT_TIMEOUT_SECONDS", settings.statement_timeout_seconds
        ),
    )


def database_settings_provider(
    env: Mapping[str, str] | None = None,
) -> Callable[[], DatabaseSettings] | None:
    """What re-reads the database settings past every cache after the database refused
    our password (a rotated secret); None when they come from `DATABASE_URL`."""
    env = dict(os.environ if env is None else env)
    if env.get("DATABASE_URL") or not env.get("DB_SECRET_ARN"):
        return None
    return lambda: load_database_settings(env, fresh=True)


def load_partner_credentials(env: Mapping[str, str] | None = None) -> PartnerCredentials:
    """`SHOPEE_PARTNER_SECRET_ARN` in AWS, `SHOPEE_PARTNER_ID`/`_KEY` locally."""
    env = os.environ if env is None else env
    arn = env.get("SHOPEE_PARTNER_SECRET_ARN")
    if arn:
        secret = _read_secret(arn)
        raw_id, key = secret.get("partner_id"), secret.get("partner_key")
    else:
        raw_id, key = env.get("SHOPEE_PARTNER_ID"), env.get("SHOPEE_PARTNER_KEY")
    if not raw_id or not key:
        raise ConfigError(
            "Shopee partner credentials missing: set SHOPEE_PARTNER_SECRET_ARN "
            "or SHOPEE_PARTNER_ID and SHOPEE_PARTNER_KEY"
        )
    try:
        partner_id = int(raw_id)
    except (TypeError, ValueError):
        raise ConfigError("Shopee partner_id must be an integer") from None
    return PartnerCredentials(partner_id=partner_id, partner_key=str(key))


def load_partner_key(
    *, partner_id: int, secret_ref: str, env: Mapping[str, str] | None = None, fresh: bool = False
) -> PartnerCredentials:
    """The key of one partner app, from where its row says it lives: `env:NAME` (local)
    or a Secrets Manager secret `{"partner_id": ..., "partner_key": ...}` (cached by
    Powertools for 5 minutes; `fresh` reads past the cache). A secret naming another
    partner_id is refused: a key signs for exactly one app."""
    env = os.environ if env is None else env
    if secret_ref.startswith("env:"):
        name = secret_ref.removeprefix("env:")
        key = env.get(name)
        if not key:
            raise ConfigError(f"partner {partner_id}: environment variable {name} is not set")
        return PartnerCredentials(partner_id=partner_id, partner_key=key)
    secret = _read_secret(secret_ref, fresh=fresh)
    key, raw_id = secret.get("partner_key"), secret.get("partner_id")
    if not key:
        raise ConfigError(f"partner {partner_id}: secret {secret_ref} has no partner_key")
    if raw_id is not None and str(raw_id).strip() != str(partner_id):
        raise ConfigError(
            f"partner {partner_id}: secret {secret_ref} holds the key of partner {raw_id}"
        )
    return PartnerCredentials(partner_id=partner_id, partner_key=str(key))
