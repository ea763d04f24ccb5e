"""Fixtures of the connection tests: the throwaway TLS cluster (once per session)."""

from collections.abc import Iterator

import pytest

from tests.support.pgcluster import Cluster, available, tls_cluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if not available():
        pytest.skip("no Postgres binaries (pgserver) or no openssl: no TLS cluster")
    with tls_cluster() as running:
        yield running
