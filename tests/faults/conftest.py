"""Fixtures of the fault suite: moto's SQS clock moved with the frozen clock, an SQS
client that can be made to fail, and a database server a test may stop and start.

Every fault test ends the same way: each job completed (or failed with its real
reason), attempts counted only for the job's own failures, and the data equal to the
simulator's ground truth (`local.truth_check`).
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import moto.sqs.models
import pytest
from botocore.exceptions import ClientError
from moto.core.utils import unix_time_millis

from adsync.db.connection import Database
from local.runner import today_of_every_shop
from local.stack import LocalStack
from local.truth_check import compare
from tests.support.clock import FrozenClock
from tests.support.restartable import RestartableServer, available, restartable_server


class SqsTime:
    """Moves moto's SQS clock (message delays, visibility) along with the frozen clock."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = unix_time_millis
        self.offset_ms = 0.0
        monkeypatch.setattr(moto.sqs.models, "unix_time_millis", lambda: real() + self.offset_ms)

    def advance(self, delta: timedelta) -> None:
        self.offset_ms += delta.total_seconds() * 1000


@pytest.fixture
def sqs_time(monkeypatch: pytest.MonkeyPatch) -> SqsTime:
    return SqsTime(monkeypatch)


@pytest.fixture
def later(clock: FrozenClock, sqs_time: SqsTime) -> Any:
    """`later(delta)`: the frozen clock and SQS's clock both move on by `delta`."""

    def move(delta: timedelta) -> None:
        clock.advance(delta)
        sqs_time.advance(delta)

    return move


class FlakySqs:
    """The stack's SQS client, except that chosen operations fail while `down` is set."""

    def __init__(self, sqs: Any, *, operations: tuple[str, ...] = ("send_message",)) -> None:
        self._sqs = sqs
        self._operations = operations
        self.down = False

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._sqs, name)
        if name not in self._operations:
            return real

        def call(**kwargs: Any) -> Any:
            if self.down:
                raise ClientError(
                    {"Error": {"Code": "ServiceUnavailable", "Message": "SQS is down"}}, name
                )
            return real(**kwargs)

        return call


@pytest.fixture(scope="module")
def restartable() -> Iterator[RestartableServer]:
    if not available():
        pytest.skip("no Postgres binaries under /usr/lib/postgresql: no restartable server")
    with restartable_server() as server:
        yield server


def assert_truth(stack: LocalStack, db: Database, shop_ids: list[int] | None = None) -> None:
    """Every table equals the simulator's ground truth for each shop's today (every
    shop, or those given)."""
    days = today_of_every_shop(stack)
    if shop_ids is not None:
        days = {shop_id: days[shop_id] for shop_id in shop_ids}
    check = compare(db, stack.simulator, days)
    assert check.rows_checked > 0
    assert check.mismatches == []


def job_rows(db: Database) -> list[dict[str, Any]]:
    return db.run(
        "SELECT id, shop_id, status, retry_count, error_message, lease_expires_at "
        "FROM apishopee_ads_sync_queue ORDER BY id"
    )
