"""Where a console command runs: here (the layer on the local database and queues), or
in a deployed stack's admin Lambda (boto3 `invoke`). Both take and give the same JSON.
"""

import json
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from adsync.errors import AdsSyncError
from adsync.observability import logger
from adsync.services.admin_commands import handle
from adsync.services.dependencies import Dependencies
from local.postgres import LOCAL_DATABASE, checked_name, server_url, with_database

ADMIN_LOGICAL_ID = "AdminFunction"
# The admin function's timeout is 60 s; one try only: a command is not retried blindly.
INVOKE_READ_TIMEOUT_SECONDS = 75


class ConsoleError(Exception):
    """The command could not be run (no database, no credentials, the Lambda failed)."""


class Backend(Protocol):
    def call(self, request: Mapping[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None: ...


class LocalBackend:
    """The layer's commands in this process, on dependencies built once."""

    def __init__(self, build: Callable[[], Dependencies]) -> None:
        self._build = build
        self._deps: Dependencies | None = None

    def call(self, request: Mapping[str, Any]) -> dict[str, Any]:
        if self._deps is None:
            self._deps = self._build()
        try:
            return handle(dict(request), self._deps)
        except AdsSyncError as exc:  # the database is unreachable, a queue refused...
            raise ConsoleError(_with_hint(str(exc))) from exc

    def close(self) -> None:
        if self._deps is not None:
            self._deps.close()


def _with_hint(message: str) -> str:
    if "3D000" in message:  # database does not exist
        return f"{message} (no local fleet yet: run `make run` first, or pass --database-url)"
    return message


def local_database_url(explicit: str | None, name: str | None = None) -> str:
    """`--database-url`, else `--database` on the local server, else the database
    `make run` leaves its fleet in."""
    if explicit:
        return explicit
    try:
        return with_database(server_url(), checked_name(name or LOCAL_DATABASE))
    except ValueError as exc:
        raise ConsoleError(str(exc)) from exc


def local_dependencies(database_url: str, clock: Callable[[], Any]) -> Dependencies:
    """The handlers' dependencies on the local database. Queues: QUEUE_URL_<n> from the
    environment when set (an SQS endpoint), else the Postgres-backed local queues in the
    same database, created as the template defines them."""
    env = {**os.environ, "DATABASE_URL": database_url}
    logger.setLevel("WARNING")  # the layer's INFO lines are for CloudWatch, not a terminal
    if any(env.get(f"QUEUE_URL_{p}") for p in range(4)):
        return Dependencies(env=env, clock=clock)
    from local.pgqueue import make_sqs
    from local.queues import create_queues
    from local.template import load_template, queue_layout

    try:
        sqs = make_sqs(database_url)
    except Exception as exc:  # pg8000 and OS errors while installing the queue schema
        raise ConsoleError(_with_hint(f"cannot open the local database: {exc}")) from exc
    queues = create_queues(sqs, queue_layout(load_template()))
    return Dependencies(env={**env, **queues.env()}, clock=clock, sqs=sqs)


class RemoteBackend:
    """The stack's admin Lambda, invoked with boto3 (credentials the usual way)."""

    def __init__(self, *, lambda_client: Any, function_name: str) -> None:
        self._lambda = lambda_client
        self.function_name = function_name

    @classmethod
    def for_stack(
        cls,
        stack: str,
        *,
        profile: str | None = None,
        region: str | None = None,
        function_name: str | None = None,
        session: Any = None,
    ) -> "RemoteBackend":
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            session = session or boto3.session.Session(profile_name=profile, region_name=region)
            if function_name is None:
                detail = session.client("cloudformation").describe_stack_resource(
                    StackName=stack, LogicalResourceId=ADMIN_LOGICAL_ID
                )["StackResourceDetail"]
                function_name = str(detail["PhysicalResourceId"])
            client = session.client(
                "lambda",
                config=Config(
                    read_timeout=INVOKE_READ_TIMEOUT_SECONDS, retries={"total_max_attempts": 1}
                ),
            )
        except (BotoCoreError, ClientError) as exc:
            raise ConsoleError(f"cannot find the admin function of stack {stack}: {exc}") from exc
        return cls(lambda_client=client, function_name=function_name)

    def call(self, request: Mapping[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            reply = self._lambda.invoke(
                FunctionName=self.function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(request).encode("utf-8"),
            )
            payload = json.loads(reply["Payload"].read() or b"null")
        except (BotoCoreError, ClientError) as exc:
            raise ConsoleError(f"cannot invoke {self.function_name}: {exc}") from exc
        if reply.get("FunctionError") or not isinstance(payload, dict):
            detail = payload if isinstance(payload, dict) else {}
            raise ConsoleError(
                f"{self.function_name} failed: {detail.get('errorType', 'error')}: "
                f"{detail.get('errorMessage', payload)}"
            )
        return payload

    def close(self) -> None:
        pass
