"""Parsing what arrives from outside: Scheduler inputs and queue message bodies."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from adsync.errors import BadEventError, DatabaseError
from adsync.jobs import EnqueueRequest, JobMessage, SyncType


def test_realtime_event() -> None:
    request = EnqueueRequest.from_event({"sync_type": "realtime", "priority": 1})
    assert request == EnqueueRequest(sync_type=SyncType.REALTIME, priority=1)


def test_lookback_is_one_job_over_its_window() -> None:
    request = EnqueueRequest.from_event({"sync_type": "lookback", "priority": 2, "window_days": 3})
    assert request == EnqueueRequest(sync_type=SyncType.LOOKBACK, priority=2, days_ago=3)


@pytest.mark.parametrize(
    ("event", "complaint"),
    [
        ({"sync_type": "hourly_magic", "priority": 1}, "unknown sync_type 'hourly_magic'"),
        ({"priority": 1}, "unknown sync_type None"),
        ({"sync_type": "realtime", "priority": 7}, "priority must be one of"),
        ({"sync_type": "realtime", "priority": "1"}, "priority must be one of"),
        ({"sync_type": "backfill_day", "days_ago": -1}, "days_ago must be 0..180"),
        ({"sync_type": "lookback", "window_days": 0}, "window_days must be 1..30"),
        (["realtime"], "must be a JSON object"),
    ],
)
def test_bad_enqueue_events_say_what_is_wrong(event: object, complaint: str) -> None:
    with pytest.raises(BadEventError, match=complaint):
        EnqueueRequest.from_event(event)  # type: ignore[arg-type]


def test_message_round_trip() -> None:
    message = JobMessage(job_id=5, dispatch_id="6f1c2d0e-3c1a-4b9e-9d55-2f8f3b7a9c01")
    assert JobMessage.from_body(message.to_body()) == message
    assert "abandoned_leases" not in message.to_body()  # plain messages stay as they were


def test_an_interrupted_run_hands_back_its_leases_to_the_microsecond() -> None:
    lease = datetime(2026, 11, 20, 5, 45, 0, 123456, tzinfo=UTC)
    message = JobMessage(
        job_id=5, dispatch_id="6f1c2d0e-3c1a-4b9e-9d55-2f8f3b7a9c01", abandoned_leases=(lease,)
    )
    assert JobMessage.from_body(message.to_body()).abandoned_leases == (lease,)


@pytest.mark.parametrize(
    "leases",
    ['"2026-11-20T05:45:00+00:00"', '["2026-11-20T05:45:00"]', '["soon"]', "[1, 2, 3]"],
)
def test_bad_abandoned_leases_are_rejected(leases: str) -> None:
    body = '{"job_id": 1, "dispatch_id": "6f1c2d0e-3c1a-4b9e-9d55-2f8f3b7a9c01", '
    with pytest.raises(BadEventError, match="lease"):
        JobMessage.from_body(body + f'"abandoned_leases": {leases}}}')


@pytest.mark.parametrize(
    ("sqlstate", "transient"),
    [
        ("", True),  # no reply at all: a lost connection, an unreachable server
        ("57P01", True),  # admin shutdown
        ("57P03", True),  # cannot connect now (starting up, shutting down)
        ("08006", True),  # connection failure
        ("53300", True),  # too many connections
        ("40P01", True),  # deadlock
        ("55P03", True),  # lock not available
        ("28P01", True),  # the secret rotated under us
        ("23505", False),  # a unique violation: our data
        ("22P02", False),  # invalid text representation: our data
        ("42703", False),  # undefined column: a bug
    ],
)
def test_only_failures_of_the_database_itself_are_transient(sqlstate: str, transient: bool) -> None:
    assert DatabaseError("x", sqlstate=sqlstate).transient is transient


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "[]",
        '{"job_id": 1}',
        '{"job_id": "1", "dispatch_id": "x"}',
        '{"job_id": 0, "dispatch_id": "x"}',
        '{"job_id": 1, "dispatch_id": ""}',
    ],
)
def test_malformed_bodies_are_rejected(body: str) -> None:
    with pytest.raises(BadEventError):
        JobMessage.from_body(body)


def test_the_schema_accepts_exactly_the_sync_types_the_worker_knows() -> None:
    from importlib import resources

    migrations = resources.files("adsync.db").joinpath("migrations")
    check = migrations.joinpath("0005_sync_type_check.sql").read_text("utf-8")
    listed = set(re.findall(r"'(\w+)'", check.split("CHECK", 1)[1]))
    assert listed == {t.value for t in SyncType}


@pytest.mark.parametrize(
    ("event", "complaint"),
    [
        ({"sync_type": "backfill_day", "days_ago": True}, "days_ago must be 0..180, got True"),
        ({"sync_type": "lookback", "window_days": 1.5}, "window_days must be 1..30"),
    ],
)
def test_booleans_and_floats_are_not_day_counts(event: dict[str, Any], complaint: str) -> None:
    with pytest.raises(BadEventError, match=complaint):
        EnqueueRequest.from_event(event)


def test_a_huge_bad_value_is_not_echoed_whole() -> None:
    """A 1 MB value in an event must not become a 1 MB error (and log line)."""
    with pytest.raises(BadEventError) as caught:
        EnqueueRequest.from_event({"sync_type": "x" * 1_000_000, "priority": 1})
    assert len(str(caught.value)) < 400
    with pytest.raises(BadEventError) as caught:
        JobMessage.from_body('{"job_id": 1, "dispatch_id": "' + "y" * 1_000_000 + '"}')
    assert len(str(caught.value)) < 400
