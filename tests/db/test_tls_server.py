"""TLS against a real server: each sslmode keeps libpq's promise (see adsync.db.tls).

The cluster's certificate is issued by a test CA for `localhost` only, so 127.0.0.1
tells verify-ca (chain only) from verify-full (chain and name).
"""

from collections.abc import Iterator

import pytest

from adsync.config import SslMode
from adsync.db.connection import Database
from adsync.errors import DatabaseError
from tests.support.pgcluster import SERVER_NAME, Cluster

ENCRYPTED = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


def encrypted(db: Database) -> bool:
    row = db.one(ENCRYPTED)
    assert row is not None
    return bool(row["ssl"])


@pytest.mark.parametrize("mode", [SslMode.REQUIRE, SslMode.PREFER, SslMode.ALLOW])
def test_require_prefer_and_allow_encrypt_when_the_server_offers_tls(
    cluster: Cluster, mode: SslMode
) -> None:
    db = Database(cluster.settings(sslmode=mode))
    assert encrypted(db)
    db.close()


def test_disable_stays_plaintext(cluster: Cluster) -> None:
    db = Database(cluster.settings(sslmode=SslMode.DISABLE))
    assert not encrypted(db)
    db.close()


def test_verify_full_refuses_a_certificate_no_trusted_ca_signed(cluster: Cluster) -> None:
    # Default roots: the RDS bundle, which did not sign the test CA's certificate.
    db = Database(cluster.settings(sslmode=SslMode.VERIFY_FULL, host=SERVER_NAME))
    with pytest.raises(DatabaseError, match=r"TLS .* failed .*verify-full.*CERTIFICATE_VERIFY"):
        db.run("SELECT 1")


def test_verify_full_connects_with_sslrootcert_and_the_certificates_name(
    cluster: Cluster,
) -> None:
    settings = cluster.settings(
        sslmode=SslMode.VERIFY_FULL, host=SERVER_NAME, sslrootcert=str(cluster.ca_file)
    )
    db = Database(settings)
    assert encrypted(db)
    db.close()


def test_verify_full_checks_the_host_name(cluster: Cluster) -> None:
    settings = cluster.settings(sslmode=SslMode.VERIFY_FULL, sslrootcert=str(cluster.ca_file))
    with pytest.raises(DatabaseError, match=r"verify-full.*(match|mismatch)"):
        Database(settings).run("SELECT 1")  # 127.0.0.1 is not in the certificate


def test_verify_ca_checks_the_chain_but_not_the_name(cluster: Cluster) -> None:
    trusted = cluster.settings(sslmode=SslMode.VERIFY_CA, sslrootcert=str(cluster.ca_file))
    db = Database(trusted)
    assert encrypted(db)
    db.close()
    untrusted = cluster.settings(sslmode=SslMode.VERIFY_CA)
    with pytest.raises(DatabaseError, match="CERTIFICATE_VERIFY_FAILED"):
        Database(untrusted).run("SELECT 1")


def test_require_with_a_root_certificate_verifies_the_chain_as_libpq_does(
    cluster: Cluster,
) -> None:
    wrong_roots = cluster.settings(sslmode=SslMode.REQUIRE, sslrootcert="system")
    with pytest.raises(DatabaseError, match="CERTIFICATE_VERIFY_FAILED"):
        Database(wrong_roots).run("SELECT 1")


@pytest.fixture
def plaintext_server(cluster: Cluster) -> Iterator[Cluster]:
    cluster.set_ssl(False)
    yield cluster
    cluster.set_ssl(True)


def test_a_server_without_tls_fails_every_mode_that_requires_it(
    plaintext_server: Cluster,
) -> None:
    for mode in (SslMode.REQUIRE, SslMode.VERIFY_CA, SslMode.VERIFY_FULL):
        settings = plaintext_server.settings(sslmode=mode, sslrootcert=None)
        with pytest.raises(DatabaseError, match=f"does not offer TLS, and sslmode={mode}"):
            Database(settings).run("SELECT 1")
    prefer = Database(plaintext_server.settings(sslmode=SslMode.PREFER))
    assert not encrypted(prefer)  # prefer: plaintext only because the server refused TLS
    prefer.close()
