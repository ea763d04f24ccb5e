"""The SSLContext each sslmode gets (adsync.db.tls): libpq's promises, never plaintext
when encryption was asked for. The same modes against a real server: tests/db."""

import ssl

import pytest

from adsync.config import DatabaseSettings, SslMode
from adsync.db.tls import tls_context
from adsync.errors import ConfigError


def settings(mode: SslMode, **changes: object) -> DatabaseSettings:
    fields: dict[str, object] = {"host": "db", "port": 5432, "database": "d", "user": "u"}
    return DatabaseSettings(sslmode=mode, **{**fields, **changes})  # type: ignore[arg-type]


def test_verify_full_loads_the_rds_bundle_and_checks_hostnames() -> None:
    context = tls_context(settings(SslMode.VERIFY_FULL))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] >= 100  # every region + the Amazon roots


def test_verify_ca_checks_the_chain_only() -> None:
    context = tls_context(settings(SslMode.VERIFY_CA))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert not context.check_hostname


def test_require_encrypts_without_verifying() -> None:
    # An SSLContext (not None): pg8000 then refuses a server that answers "no TLS".
    context = tls_context(settings(SslMode.REQUIRE))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_NONE


def test_require_with_sslrootcert_verifies_the_chain_as_libpq_does() -> None:
    context = tls_context(settings(SslMode.REQUIRE, sslrootcert="system"))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert not context.check_hostname


@pytest.mark.parametrize("mode", [SslMode.PREFER, SslMode.ALLOW])
def test_prefer_and_allow_ask_for_tls_and_accept_a_refusal(mode: SslMode) -> None:
    assert tls_context(settings(mode)) is None  # pg8000: try TLS, plaintext if refused


def test_disable_and_unix_sockets_are_plain() -> None:
    assert tls_context(settings(SslMode.DISABLE)) is False
    socket_settings = settings(SslMode.VERIFY_FULL, host=None, unix_sock="/tmp/.s.PGSQL.5432")
    assert tls_context(socket_settings) is False  # libpq ignores sslmode there too


def test_an_unreadable_sslrootcert_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"sslrootcert /nonexistent/ca\.pem"):
        tls_context(settings(SslMode.VERIFY_FULL, sslrootcert="/nonexistent/ca.pem"))
