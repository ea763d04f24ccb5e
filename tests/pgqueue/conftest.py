"""Two SQS backends behind one interface: moto (the oracle) and pgqueue (under test).

moto runs on the wall clock, so `advance` sleeps there (keep waits to ~1 s); pgqueue
takes a frozen clock, so `advance` just moves it.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.pgqueue import PgSqs, make_sqs
from local.stack import AWS_ENV, patched_env
from tests.support.clock import FrozenClock

REGION = "ap-southeast-1"


@dataclass
class Backend:
    name: str
    sqs: Any
    advance: Callable[[float], None]


@pytest.fixture(scope="session")
def pg_sqs(database_url: str) -> Iterator[PgSqs]:
    sqs = make_sqs(database_url)
    yield sqs
    sqs.close()


@pytest.fixture
def pg_clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 20, 5, 30, tzinfo=UTC))


@pytest.fixture
def pgqueue(pg_sqs: PgSqs, pg_clock: FrozenClock) -> PgSqs:
    """An empty pgqueue on a frozen clock."""
    pg_sqs.truncate_all()
    return pg_sqs.with_clock(pg_clock)


@pytest.fixture(params=["moto", "pgqueue"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "moto":
        with patched_env(AWS_ENV), mock_aws():
            yield Backend(
                name="moto", sqs=boto3.client("sqs", region_name=REGION), advance=time.sleep
            )
        return
    sqs: PgSqs = request.getfixturevalue("pgqueue")
    clock: FrozenClock = request.getfixturevalue("pg_clock")

    def advance(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    yield Backend(name="pgqueue", sqs=sqs, advance=advance)
