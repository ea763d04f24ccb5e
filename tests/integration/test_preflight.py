"""Deploy-time checks of the database server (adsync.db.preflight) on a real Postgres."""

from typing import Any

import pytest

from adsync.db.connection import Database
from adsync.db.preflight import (
    ServerFacts,
    WorkerShape,
    check_server,
    server_facts,
    worker_shape,
)
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


def test_a_stack_bigger_than_a_small_instance_admits_is_refused_with_its_numbers() -> None:
    """40 executions x 2 pooled connections = 80, + 10, against a micro instance's ~80."""
    worker = WorkerShape(executions=40, pooled=False)
    with pytest.raises(ConfigError) as caught:
        check_server(facts(max_connections=83), worker)
    reason = str(caught.value)
    assert "admits 80 client connections" in reason
    assert "40 executions x 2 connections = 80" in reason
    assert "may open 90" in reason


def test_each_execution_counts_its_pool_not_its_threads() -> None:
    """The worker's record threads share a pool of 2 (adsync.db.pool): WorkerThreads no
    longer multiplies the count. The template's defaults (40) fit a 100-connection server."""
    assert worker_shape(
        {
            "WorkerReservedConcurrency": "40",
            "WorkerMaximumConcurrency": ["20", "10", "5", "2"],
            "WorkerThreads": "10",
        }
    ) == WorkerShape(executions=40, pooled=False)
    check_server(facts(), WorkerShape(executions=40, pooled=False))  # 80 + 10 <= 97
    check_server(facts(), WorkerShape(executions=43, pooled=False))  # 86 + 10 <= 97
    with pytest.raises(ConfigError):
        check_server(facts(), WorkerShape(executions=44, pooled=False))  # 88 + 10 = 98
    check_server(facts(), WorkerShape(executions=400, pooled=True))
