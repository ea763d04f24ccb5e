"""Deploy-time checks of the database server (adsync.db.preflight) on a real Postgres."""

from typing import Any

import pytest

from adsync.db.connection import Database
from adsync.db.preflight import ServerFacts, WorkerShape, check_server, server_facts
from adsync.errors import ConfigError


def facts(**changes: object) -> ServerFacts:
    values: dict[str, Any] = {
        "version_num": 160004,
        "version": "16.4",
        "max_connections": 100,
        "reserved_connections": 3,
    }
    return ServerFacts(**(values | changes))


def test_reads_the_real_server(db: Database) -> None:
    found = server_facts(db)
    assert found.version_num >= 130000
    assert found.version.split(".")[0] == str(found.version_num // 10000)
    assert 0 < found.client_connections < found.max_connections


def test_a_server_older_than_13_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"PostgreSQL 12\.19 is too old"):
        check_server(facts(version_num=120019, version="12.19"), None)


def test_the_template_defaults_need_more_than_a_small_instance_admits() -> None:
    """40 reserved x (10 threads + 1) = 440 connections against a micro instance's ~80."""
    worker = WorkerShape(executions=40, threads=10, pooled=False)
    with pytest.raises(ConfigError) as caught:
        check_server(facts(max_connections=83), worker)
    reason = str(caught.value)
    assert "admits 80 client connections" in reason
    assert "40 executions x (10 threads + 1) = 440" in reason
    assert "may open 450" in reason


def test_a_stack_that_fits_passes_and_rds_proxy_skips_the_count() -> None:
    check_server(facts(), WorkerShape(executions=8, threads=9, pooled=False))  # 80 + 10 <= 97
    with pytest.raises(ConfigError):
        check_server(facts(), WorkerShape(executions=8, threads=10, pooled=False))  # 98
    check_server(facts(), WorkerShape(executions=40, threads=10, pooled=True))
