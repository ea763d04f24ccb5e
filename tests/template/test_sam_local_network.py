"""How a function in SAM's Lambda container reaches the host: SQS endpoint and hosts.

- SQS: boto3 >= 1.28 reads `AWS_ENDPOINT_URL_SQS` itself ("Service-specific endpoints",
  AWS SDKs and Tools Reference Guide, https://docs.aws.amazon.com/sdkref/latest/guide/
  feature-ss-endpoints.html), so the layer needs no endpoint setting of its own; botocore
  skips an empty value (botocore.configprovider.EnvironmentProvider + the `if
  endpoint_url` check in ConfiguredEndpointProvider.provide), so the deployed "" is unset.
- Hosts: `sam local invoke --add-host host.docker.internal:host-gateway` ("sam local
  invoke" reference, option --add-host, https://docs.aws.amazon.com/serverless-
  application-model/latest/developerguide/sam-cli-command-reference-sam-local-invoke.html)
  is handed to Docker unchanged; Docker Engine >= 20.10 maps `host-gateway` to the host
  (docker container run reference, "--add-host"; moby/moby#40007). `--docker-network
  host` does not give the container the host's network: SAM creates the container on the
  default bridge and skips connecting it to "host" (aws/aws-sam-cli#669).
"""

from __future__ import annotations

from typing import Any

import click
import pytest
from moto.server import ThreadedMotoServer
from samcli.cli.types import DockerAdditionalHostType
from samcli.commands._utils.options import local_add_host_callback
from samcli.local.docker.container import Container, ContainerContext

from tests.template.cfn import REGION

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_SQS"


def sqs_client_as_the_layer_builds_it() -> Any:
    # adsync.services.dependencies.Dependencies.queue: no endpoint_url argument.
    from local.sam_backend import fake_session

    return fake_session().client("sqs")


def test_boto3_uses_the_sqs_endpoint_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENDPOINT_VARIABLE, "http://host.docker.internal:5000")
    assert sqs_client_as_the_layer_builds_it().meta.endpoint_url == (
        "http://host.docker.internal:5000"
    )


def test_an_empty_endpoint_variable_is_aws_s_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a deployed function gets from the template's `AWS_ENDPOINT_URL_SQS: ""`."""
    monkeypatch.setenv(ENDPOINT_VARIABLE, "")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    endpoint = sqs_client_as_the_layer_builds_it().meta.endpoint_url
    assert endpoint == f"https://sqs.{REGION}.amazonaws.com"


def test_requests_go_to_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only the attribute: a real call lands on a local SQS endpoint (moto's server)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        monkeypatch.setenv(ENDPOINT_VARIABLE, f"http://{host}:{port}")
        sqs = sqs_client_as_the_layer_builds_it()
        url = sqs.create_queue(QueueName="endpoint-check")["QueueUrl"]
        assert url.startswith(f"http://{host}:{port}/")
        sqs.delete_queue(QueueUrl=url)
    finally:
        server.stop()


class FakeDockerClient:
    """Records what SAM asks Docker for (there is no Docker engine here)."""

    def __init__(self) -> None:
        self.create_kwargs: dict[str, Any] = {}
        self.networks_connected: list[str] = []
        client = self

        class Containers:
            def create(self, image: str, **kwargs: Any) -> Any:
                client.create_kwargs = kwargs
                return type("Created", (), {"id": "c0ffee"})()

        class Networks:
            def get(self, network_id: str) -> Any:
                client.networks_connected.append(network_id)
                return type("Network", (), {"connect": lambda self, _id: None})()

        self.containers = Containers()
        self.networks = Networks()


def create_container(*, extra_hosts: dict[str, str] | None, network: str | None) -> Any:
    docker = FakeDockerClient()
    container = Container(
        image="public.ecr.aws/lambda/python:3.12",
        cmd=[],
        working_dir="/var/task",
        host_dir=None,
        docker_client=docker,
        extra_hosts=extra_hosts,
    )
    container.network_id = network
    container.create(ContainerContext.INVOKE)
    return docker


def test_add_host_host_gateway_reaches_docker_unchanged() -> None:
    option = click.Option(["--add-host"], multiple=True)
    value = DockerAdditionalHostType().convert("host.docker.internal:host-gateway", option, None)
    parsed = local_add_host_callback(None, option, [value])
    assert parsed == {"host.docker.internal": "host-gateway"}  # no IP check on the way
    docker = create_container(extra_hosts=parsed, network=None)
    assert docker.create_kwargs["extra_hosts"] == {"host.docker.internal": "host-gateway"}


def test_docker_network_host_leaves_the_container_on_the_bridge() -> None:
    docker = create_container(extra_hosts=None, network="host")
    assert "network_mode" not in docker.create_kwargs
    assert docker.networks_connected == []  # not connected to any other network either
    named = create_container(extra_hosts=None, network="adsync-net")
    assert named.networks_connected == ["adsync-net"]
