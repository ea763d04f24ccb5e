"""Run the `adsync` console in-process, by either path the issue asks for:

- direct: the layer's commands on the test stack (real Postgres, moto's SQS);
- lambda: the real admin handler runs the request, and the console gets its reply
  through a boto3 Lambda client whose `invoke` is stubbed at the botocore level.
"""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.response import StreamingBody
from botocore.stub import Stubber

from local.console import cli
from local.console.backends import LocalBackend, RemoteBackend
from local.stack import LocalStack
from tests.support.clock import FrozenClock

FUNCTION_NAME = "shopee-ads-sync-AdminFunction-abc123"
PATHS = ("direct", "lambda")


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str

    @property
    def reply(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.out)
        return value


def streaming(payload: object) -> StreamingBody:
    body = json.dumps(payload).encode("utf-8")
    return StreamingBody(io.BytesIO(body), len(body))


def stubbed_lambda(event: dict[str, Any], reply: object) -> tuple[Any, Stubber]:
    client = boto3.client("lambda", region_name="ap-southeast-1")
    stubber = Stubber(client)
    stubber.add_response(
        "invoke",
        {"StatusCode": 200, "Payload": streaming(reply)},
        {
            "FunctionName": FUNCTION_NAME,
            "InvocationType": "RequestResponse",
            "Payload": json.dumps(event).encode("utf-8"),
        },
    )
    return client, stubber


def console_runner(path: str, stack: LocalStack, clock: FrozenClock) -> Callable[..., Outcome]:
    def run(*argv: str) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        if path == "direct":
            backend: Any = LocalBackend(lambda: stack.dependencies(clock))
            code = cli.main(list(argv), backend=backend, clock=clock, out=out, err=err)
            return Outcome(code, out.getvalue(), err.getvalue())
        event = cli.build_request(cli._parser(clock).parse_args(list(argv)))
        reply = stack.invoke("admin", json.loads(json.dumps(event)))  # what the Lambda receives
        client, stubber = stubbed_lambda(event, reply)
        with stubber:
            backend = RemoteBackend(lambda_client=client, function_name=FUNCTION_NAME)
            code = cli.main(list(argv), backend=backend, clock=clock, out=out, err=err)
            stubber.assert_no_pending_responses()
        return Outcome(code, out.getvalue(), err.getvalue())

    return run
