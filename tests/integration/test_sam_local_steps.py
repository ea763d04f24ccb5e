"""docs/local-invoke.md without Docker: the same env file, events and host-side tools,
with the handlers called in-process instead of in SAM's container.

events/env.local.json is used as shipped except that `host.docker.internal` (the host,
seen from the container) becomes this machine's 127.0.0.1 and the fixed ports the ones
the backend got. What only Docker can show (the container resolving
host.docker.internal, SAM's image running the layer) is not proven here.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from adsync.config import database_from_url
from adsync.db.connection import Database
from adsync.services.dependencies import Dependencies
from local.lambda_runtime import LambdaRuntime
from local.postgres import scratch_database, server_url
from local.sam_backend import Backend, receive_event, running_backend
from local.stack import AWS_ENV, patched_env

EVENTS = Path(__file__).resolve().parents[2] / "events"


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text("utf-8"))
    return loaded


def local_env(backend: Backend, database_url: str) -> dict[str, str]:
    """env.local.json's values, pointed from the container's view to this machine's."""
    values = dict(event("env.local.json")["Parameters"])
    sqs = backend.sqs_endpoint
    for name, value in values.items():
        value = value.replace("http://host.docker.internal:5000", sqs)
        values[name] = value.replace("http://host.docker.internal:8765", backend.simulator_url)
    assert values["DATABASE_URL"].startswith("postgresql://postgres:postgres@host.docker.internal")
    values["DATABASE_URL"] = database_url
    return values


@pytest.fixture
def backend() -> Iterator[tuple[Backend, str]]:
    # moto's server shares the in-process backends mock_aws uses; start() empties them.
    leftovers = mock_aws()
    leftovers.start()
    leftovers.stop()
    with (
        scratch_database(server_url(), prefix="adsync_sam") as url,
        running_backend(database_url=url, simulator_port=0, sqs_port=0, shops=2) as running,
    ):
        yield running, url


def test_documented_steps_run_through_the_handlers(backend: tuple[Backend, str]) -> None:
    running, database_url = backend
    env = {**AWS_ENV, **local_env(running, database_url)}
    # Containers as SAM starts them: their dependencies from the process env (the file's).
    with patched_env(env), LambdaRuntime(Dependencies) as lambdas:
        reply = lambdas.invoke("enqueue", event("enqueue_realtime.json"))
        assert reply["eligible_shops"] == 2
        lambdas.invoke("maintenance", event("maintenance_reconcile.json"))  # sends what is due

        batch = receive_event(running.sqs_endpoint, priority=1)
        assert len(batch["Records"]) == 2
        arns = {r["eventSourceARN"] for r in batch["Records"]}
        assert arns == {event("worker_batch.json")["Records"][0]["eventSourceARN"]}
        assert lambdas.invoke("worker", batch) == {"batchItemFailures": []}

        db = Database(database_from_url(database_url))
        try:
            rows = db.run("SELECT status FROM apishopee_ads_sync_queue ORDER BY id")
        finally:
            db.close()
        assert [row["status"] for row in rows] == ["completed", "completed"]
        assert lambdas.invoke("maintenance", event("maintenance_cleanup.json"))
        assert receive_event(running.sqs_endpoint, priority=1, dead_letter=True) == {"Records": []}
