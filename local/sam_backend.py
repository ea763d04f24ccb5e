"""`python -m local sam-backend` and `python -m local sam-event`: the host side of
`sam local invoke` (docs/local-invoke.md). Off AWS only.

`sam-backend` runs in the foreground what a function in SAM's Lambda container reaches
through host.docker.internal: the Shopee simulator over HTTP (wall clock), an SQS
endpoint (moto's server) holding the template's queues under their deployed names, and
the database of DATABASE_URL, migrated, with every simulated shop onboarded through
the real OAuth code exchange. `sam-event` receives messages from one of those queues
and prints them as the SQS event Lambda's event source mapping would deliver.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from adsync.config import database_from_url
from adsync.db.connection import Database
from adsync.db.migrate import apply_migrations
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_shop
from local.event_source import REGION, sqs_record
from local.queues import LocalQueues, create_queues
from local.simulator import Simulator, SimulatorSettings, World, WorldSettings
from local.stack import AWS_ENV
from local.template import load_template, queue_layout, samconfig_stack_name

# Any credentials do for moto; SAM's container gets its own (defaultkey/defaultsecret).


@dataclass(frozen=True, kw_only=True)
class Backend:
    simulator_url: str
    sqs_endpoint: str
    queues: LocalQueues
    shops: tuple[int, ...]


def fake_session() -> boto3.session.Session:
    """A session with the local stack's fake credentials (moto accepts any)."""
    return boto3.session.Session(
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )


def sqs_client(endpoint: str) -> Any:
    return fake_session().client("sqs", endpoint_url=endpoint)


@contextmanager
def running_backend(
    *,
    database_url: str,
    host: str = "127.0.0.1",
    simulator_port: int = 8765,
    sqs_port: int = 5000,
    shops: int = 5,
    seed: int = 42,
) -> Iterator[Backend]:
    """Start the simulator and the SQS endpoint, migrate, onboard; stop both on exit."""
    settings = SimulatorSettings()
    world = World.generate(WorldSettings(seed=seed, shop_count=shops))
    simulator = Simulator(world, settings, clock=lambda: datetime.now(UTC))
    sqs_server = ThreadedMotoServer(ip_address=host, port=sqs_port, verbose=False)
    sqs_server.start()
    try:
        with simulator.serve(host=host, port=simulator_port) as server:
            _, port = sqs_server.get_host_and_port()
            local_host = "127.0.0.1" if host == "0.0.0.0" else host
            endpoint = f"http://{local_host}:{port}"
            sqs = sqs_client(endpoint)
            queues = create_queues(sqs, queue_layout(load_template()))
            db = Database(database_from_url(database_url))
            try:
                apply_migrations(db)
            finally:
                db.close()
            env = {
                "DATABASE_URL": database_url,
                "SHOPEE_BASE_URL": server.base_url.replace("0.0.0.0", "127.0.0.1"),
                "SHOPEE_PARTNER_ID": str(settings.partner_id),
                "SHOPEE_PARTNER_KEY": settings.partner_key,
                **queues.env(),
            }
            deps = Dependencies(env=env, sqs=sqs)
            try:
                for shop in world.shops:
                    code = simulator.authorize(shop.shop_id)
                    onboard_shop(deps, shop_id=shop.shop_id, region=shop.region, code=code)
            finally:
                deps.close()
            yield Backend(
                simulator_url=env["SHOPEE_BASE_URL"],
                sqs_endpoint=endpoint,
                queues=queues,
                shops=tuple(s.shop_id for s in world.shops),
            )
    finally:
        sqs_server.stop()


def receive_event(
    endpoint: str, *, priority: int, dead_letter: bool = False, max_messages: int = 10
) -> dict[str, Any]:
    """Up to `max_messages` messages of one queue as an SQS event (empty Records if none).

    The records carry real receipt handles, so the worker's retry path
    (ChangeMessageVisibility) works; nothing deletes them as the event source mapping
    would, so a processed message comes back after the visibility timeout (the worker
    then drops it as a duplicate)."""
    layout = queue_layout(load_template())
    logical_id = layout.priority_queues[priority]
    if dead_letter:
        logical_id = layout.queues[logical_id].dead_letter_logical_id or logical_id
    sqs = sqs_client(endpoint)
    name = layout.queues[logical_id].name(samconfig_stack_name())
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    reply = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=max_messages, AttributeNames=["All"]
    )
    records = [sqs_record(m, queue_arn=arn["QueueArn"]) for m in reply.get("Messages", [])]
    return {"Records": records}


def run_backend(*, database_url: str, host: str, shops: int, seed: int) -> int:
    with running_backend(database_url=database_url, host=host, shops=shops, seed=seed) as b:
        print(f"Shopee simulator  {b.simulator_url}  ({len(b.shops)} shops onboarded)")
        print(f"SQS (moto server) {b.sqs_endpoint}")
        for priority, url in sorted(b.queues.urls.items()):
            print(f"  QUEUE_URL_{priority} {url}")
        print("events/env.local.json reaches these through host.docker.internal. Ctrl-C to stop.")
        stopped = threading.Event()
        with suppress(KeyboardInterrupt):
            stopped.wait()
    return 0


def print_event(*, endpoint: str, priority: int, dead_letter: bool) -> int:
    event = receive_event(endpoint, priority=priority, dead_letter=dead_letter)
    print(json.dumps(event, indent=2))
    return 0 if event["Records"] else 1
