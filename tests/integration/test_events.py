"""Every file in events/ runs through its handler (what `sam local invoke -e` would send),
including the ones `sam local generate-event` made, with their queue ARNs as shipped.

The local stack names its queues as the deployed stack does (`shopee-ads-sync-priority-1`,
`...-dlq`), so a record's eventSourceARN reaches the same queue URL here as in AWS: the
worker's retry and defer paths (ChangeMessageVisibility, SendMessage) depend on it.
"""

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from adsync.db.connection import Database
from local import cfn_response
from local.stack import LocalStack

EVENTS = Path(__file__).resolve().parents[2] / "events"
EVENT_FILES = sorted(p for p in EVENTS.glob("*.json") if p.name != "env.local.json")


def handler_for(path: Path) -> str:
    for name in ("admin", "dead_letter", "enqueue", "maintenance", "migrate", "worker"):
        if path.name.startswith(name):
            return name
    raise AssertionError(f"{path.name} does not start with a function name")


def load(path: Path, stack: LocalStack) -> dict[str, Any]:
    """The event as shipped; its SQS ARNs must name this stack's queues."""
    event: dict[str, Any] = json.loads(path.read_text("utf-8"))
    dlq = handler_for(path) == "dead_letter"
    urls = stack.queues.dead_letter_urls if dlq else stack.queues.urls
    url_of = {arn: url for url, arn in stack.queues.arns.items()}
    for record in event.get("Records", []):
        arn = record["eventSourceARN"]
        assert url_of.get(arn) in urls.values(), f"{path.name}: {arn} is not one of {urls}"
        if not dlq:  # what the retry and defer paths do with it (adsync.queue)
            deps = stack.dependencies()
            assert deps.queue.url_for_arn(arn) == url_of[arn]
            assert deps.queue.priority_of(arn) == 1
            deps.close()
    return event


def on_local_catcher(response_url: str, base_url: str) -> str:
    """The event's ResponseURL (host.docker.internal, for the container) on 127.0.0.1."""
    base = urlsplit(base_url)
    return urlunsplit(urlsplit(response_url)._replace(scheme=base.scheme, netloc=base.netloc))


def test_every_event_file_is_covered() -> None:
    assert {handler_for(p) for p in EVENT_FILES} == {
        "admin",
        "dead_letter",
        "enqueue",
        "maintenance",
        "migrate",
        "worker",
    }


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.name)
def test_event_runs_through_its_handler(path: Path, stack: LocalStack, db: Database) -> None:
    stack.onboard_all()
    db.run(  # the job the sample SQS events point at (id 1, fixed dispatch id)
        "INSERT INTO apishopee_ads_sync_queue (id, shop_id, sync_type, priority, dispatch_id) "
        "SELECT 1, min(shop_id), 'realtime', 1, '6f1c2d0e-3c1a-4b9e-9d55-2f8f3b7a9c01' "
        "FROM apishopee_shops"
    )
    event = load(path, stack)
    if handler_for(path) == "migrate":
        answers: list[dict[str, Any]] = []
        with cfn_response.serve(lambda _path, body: answers.append(body)) as base_url:
            event["ResponseURL"] = on_local_catcher(event["ResponseURL"], base_url)
            reply = stack.invoke("migrate", event)
        (answer,) = answers
        assert answer["Status"] == "SUCCESS", answer["Reason"]
        assert answer["Data"] == {"Applied": "none", "Count": 0}  # the stack migrated it
        assert reply == answer
    elif "malformed" in path.name:  # a body that is not a job: kept for the DLQ, not lost
        ids = [r["messageId"] for r in event["Records"]]
        assert stack.invoke(handler_for(path), event) == {
            "batchItemFailures": [{"itemIdentifier": i} for i in ids]
        }
    elif "Records" in event:
        assert stack.invoke(handler_for(path), event) == {"batchItemFailures": []}
    elif handler_for(path) == "admin":
        reply = stack.invoke("admin", event)
        assert reply["ok"] is True, reply
    else:
        assert isinstance(stack.invoke(handler_for(path), event), dict)
