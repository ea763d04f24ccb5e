"""Database settings from DATABASE_URL and the AWS environment: TLS modes, timeouts."""

import pytest

from adsync.config import SslMode, database_from_url, load_database_settings
from adsync.errors import ConfigError

URL = "postgresql://app:pw@db.example:5433/ads"


def test_a_url_without_sslmode_means_prefer_as_in_libpq() -> None:
    assert database_from_url(URL).sslmode is SslMode.PREFER


@pytest.mark.parametrize("mode", [m.value for m in SslMode])
def test_every_libpq_sslmode_is_read_from_the_url(mode: str) -> None:
    settings = database_from_url(f"{URL}?sslmode={mode}&sslrootcert=/ca.pem")
    assert settings.sslmode == mode
    assert settings.sslrootcert == "/ca.pem"


def test_an_unknown_sslmode_in_the_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL sslmode must be one of disable, allow"):
        database_from_url(f"{URL}?sslmode=verify_full")


def test_timeouts_come_from_the_url_and_the_environment() -> None:
    env = {
        "DATABASE_URL": f"{URL}?connect_timeout=3",
        "DB_STATEMENT_TIMEOUT_SECONDS": "1.5",
    }
    settings = load_database_settings(env)
    assert settings.connect_timeout_seconds == 3
    assert settings.statement_timeout_seconds == 1.5
    with pytest.raises(ConfigError, match="DB_CONNECT_TIMEOUT_SECONDS must be positive"):
        load_database_settings({**env, "DB_CONNECT_TIMEOUT_SECONDS": "0"})


@pytest.mark.parametrize(
    ("db_ssl", "mode"),
    [("verify", SslMode.VERIFY_FULL), ("", SslMode.VERIFY_FULL)]
    + [(m.value, m) for m in SslMode]
    + [("Require", SslMode.REQUIRE)],
)
def test_db_ssl_accepts_libpq_names_and_verify(
    monkeypatch: pytest.MonkeyPatch, db_ssl: str, mode: SslMode
) -> None:
    secret = {"host": "h", "username": "u", "password": "p"}
    monkeypatch.setattr("adsync.config._read_secret", lambda arn, fresh=False: secret)
    settings = load_database_settings({"DB_SECRET_ARN": "arn:x", "DB_SSL": db_ssl})
    assert settings.sslmode is mode


def test_an_unknown_db_ssl_fails_at_start_up_with_the_allowed_values() -> None:
    # Refused before the secret is read (no AWS here): the typo is the error.
    with pytest.raises(ConfigError) as caught:
        load_database_settings({"DB_SECRET_ARN": "arn:x", "DB_SSL": "true"})
    message = str(caught.value)
    assert message.startswith("DB_SSL must be one of")
    for allowed in ("disable", "prefer", "require", "verify-ca", "verify-full", "verify"):
        assert allowed in message


def test_the_password_never_shows_in_a_repr() -> None:
    assert "pw" not in repr(database_from_url(URL)).replace("password", "")
