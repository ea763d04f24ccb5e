"""Every file in events/ runs through its handler (what `sam local invoke -e` would send),
including the ones `sam local generate-event sqs receive-message` made."""

import json
from pathlib import Path

import pytest

from adsync.db.connection import Database
from local.lambda_runtime import invoke
from local.stack import LocalStack

EVENTS = Path(__file__).resolve().parents[2] / "events"


def handler_for(path: Path) -> str:
    for name in ("dead_letter", "enqueue", "maintenance", "worker"):
        if path.name.startswith(name):
            return name
    raise AssertionError(f"{path.name} does not start with a function name")


def load(path: Path, stack: LocalStack) -> dict[str, object]:
    """SQS events name our queues by ARN; point them at this run's moto queues."""
    event: dict[str, object] = json.loads(path.read_text("utf-8"))
    for record in event.get("Records", []):  # type: ignore[union-attr]
        dlq = handler_for(path) == "dead_letter"
        urls = stack.queues.dead_letter_urls if dlq else stack.queues.urls
        record["eventSourceARN"] = stack.queues.arns[urls[1]]
    return event


@pytest.mark.parametrize("path", sorted(EVENTS.glob("*.json")), ids=lambda p: p.name)
def test_event_runs_through_its_handler(path: Path, stack: LocalStack, db: Database) -> None:
    stack.onboard_all()
    db.run(  # the job the sample SQS events point at (id 1, fixed dispatch id)
        "INSERT INTO apishopee_ads_sync_queue (id, shop_id, sync_type, priority, dispatch_id) "
        "SELECT 1, min(shop_id), 'realtime', 1, '6f1c2d0e-3c1a-4b9e-9d55-2f8f3b7a9c01' "
        "FROM apishopee_shops"
    )
    event = load(path, stack)
    reply = invoke(handler_for(path), event)
    if "malformed" in path.name:  # a body that is not a job: kept for the DLQ, not lost
        ids = [r["messageId"] for r in event["Records"]]  # type: ignore[index]
        assert reply == {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}
    elif "Records" in event:
        assert reply == {"batchItemFailures": []}
    else:
        assert isinstance(reply, dict)
    assert len(list(EVENTS.glob("*.json"))) >= 4
