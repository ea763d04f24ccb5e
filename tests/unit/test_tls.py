"""In AWS the database connection trusts Amazon's RDS CAs, shipped in the layer."""

import ssl

from adsync.config import DatabaseSettings
from adsync.db.connection import _tls_context


def settings(*, verify: bool) -> DatabaseSettings:
    return DatabaseSettings(host="db", port=5432, database="d", user="u", verify_tls=verify)


def test_verified_tls_loads_the_rds_bundle_and_checks_hostnames() -> None:
    context = _tls_context(settings(verify=True))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] >= 100  # every region + the Amazon roots


def test_local_connections_are_plain() -> None:
    assert _tls_context(settings(verify=False)) is False
