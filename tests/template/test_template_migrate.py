"""Migrations on deploy: the custom resource in the template and its handler.

The handler's answer travels over real HTTP: a tiny server on 127.0.0.1 stands in for
the pre-signed S3 URL CloudFormation gives, and records each PUT.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest

from adsync.config import DatabaseSettings
from adsync.db.connection import Database
from adsync.errors import ConfigError, DatabaseError, MigrationError
from adsync.services import migrations_resource as resource
from tests.template.cfn import FUNCTIONS, ROOT, OfType, Resources, get_att

STACK_ID = "arn:aws:cloudformation:ap-southeast-1:123456789012:stack/shopee-ads-sync/abc"


def load_handler_module() -> ModuleType:
    # Every function's module is called `app`: load this one under its own name.
    spec = importlib.util.spec_from_file_location(
        "migrate_app", ROOT / "functions" / "migrate" / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


migrate_app = load_handler_module()


@dataclass
class Put:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class ResponseEndpoint:
    """What CloudFormation would receive."""

    url: str
    puts: list[Put] = field(default_factory=list)

    @property
    def answer(self) -> dict[str, Any]:
        (put,) = self.puts
        return put.body


@pytest.fixture
def endpoint() -> Iterator[ResponseEndpoint]:
    received: list[Put] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            received.append(Put(path=self.path, headers=dict(self.headers), body=body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/cfn-response/Migrations?X-Amz-Signature=abc"
        yield ResponseEndpoint(url=url, puts=received)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class FakeContext:
    log_stream_name = "2026/11/28/[$LATEST]abcdef"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def request(endpoint: ResponseEndpoint, request_type: str, **properties: Any) -> dict[str, Any]:
    event = {
        "RequestType": request_type,
        "ResponseURL": endpoint.url,
        "StackId": STACK_ID,
        "RequestId": "8d5c-request",
        "ResourceType": "Custom::Migrations",
        "LogicalResourceId": "Migrations",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:ap-southeast-1:123456789012:function:migrate",
            "LayerVersionArn": "arn:aws:lambda:ap-southeast-1:123456789012:layer:shared:3",
            "MigrationsVersion": "1",
            "WorkerReservedConcurrency": "40",
            "WorkerMaximumConcurrency": ["2", "5", "10", "20"],
            **properties,
        },
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = f"{STACK_ID}/Migrations"
    return event


class Migrations:
    """Stands in for adsync.db.migrate via the handler's `migrate` seam."""

    def __init__(self, applied: list[str] | None = None, error: Exception | None = None):
        self.applied = applied or []
        self.error = error
        self.calls = 0

    def __call__(self, properties: Mapping[str, Any]) -> list[str]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.applied


# --- the template side


def test_custom_resource_is_served_by_the_migrate_function(resources: Resources) -> None:
    migrations = resources["Migrations"]
    assert migrations["Type"] == "Custom::Migrations"
    assert migrations["Properties"]["ServiceToken"] == get_att("MigrateFunction")
    assert 60 <= migrations["Properties"]["ServiceTimeout"] <= 3600


def test_custom_resource_reruns_when_the_layer_or_the_version_changes(
    resources: Resources, of_type: OfType
) -> None:
    (layer_id,) = of_type("AWS::Lambda::LayerVersion")
    properties = resources["Migrations"]["Properties"]
    # SAM renames the layer version resource on every content change, so this ref
    # changes whenever a migration file (in the layer) changes.
    assert properties["LayerVersionArn"] == {"Ref": layer_id}
    assert properties["MigrationsVersion"] == {"Ref": "MigrationsVersion"}


@pytest.mark.parametrize("function_id", [f for f in FUNCTIONS if f != "MigrateFunction"])
def test_functions_are_deployed_after_the_migrations(
    resources: Resources, function_id: str
) -> None:
    assert resources[function_id]["DependsOn"] in ("Migrations", ["Migrations"])


def test_migrate_function_timeout_fits_the_custom_resource_timeout(resources: Resources) -> None:
    timeout = resources["MigrateFunction"]["Properties"]["Timeout"]
    assert timeout < resources["Migrations"]["Properties"]["ServiceTimeout"]


# --- the handler side


def test_create_applies_migrations_and_answers_success(endpoint: ResponseEndpoint) -> None:
    migrations = Migrations(applied=["0001_initial", "0002_ads"])
    resource.handle(request(endpoint, "Create"), FakeContext(), migrate=migrations)

    assert migrations.calls == 1
    (put,) = endpoint.puts
    assert put.path == "/cfn-response/Migrations?X-Amz-Signature=abc"
    # The pre-signed URL is signed for an empty content type.
    assert put.headers.get("Content-Type", put.headers.get("Content-type")) == ""
    assert put.body["Status"] == "SUCCESS"
    assert put.body["Data"] == {"Applied": "0001_initial,0002_ads", "Count": 2}
    assert put.body["PhysicalResourceId"] == f"{STACK_ID}/Migrations"
    assert put.body["StackId"] == STACK_ID
    assert put.body["RequestId"] == "8d5c-request"
    assert put.body["LogicalResourceId"] == "Migrations"


def test_update_keeps_the_physical_id_and_reports_nothing_new(endpoint: ResponseEndpoint) -> None:
    resource.handle(request(endpoint, "Update"), FakeContext(), migrate=Migrations())
    assert endpoint.answer["Status"] == "SUCCESS"
    assert endpoint.answer["PhysicalResourceId"] == f"{STACK_ID}/Migrations"
    assert endpoint.answer["Data"] == {"Applied": "none", "Count": 0}


def test_delete_answers_success_without_touching_the_database(endpoint: ResponseEndpoint) -> None:
    migrations = Migrations(error=AssertionError("must not run"))
    resource.handle(request(endpoint, "Delete"), FakeContext(), migrate=migrations)
    assert migrations.calls == 0
    assert endpoint.answer["Status"] == "SUCCESS"


def test_unreachable_database_fails_the_deploy_with_a_clear_reason(
    endpoint: ResponseEndpoint,
) -> None:
    error = DatabaseError("database unreachable at db.internal:5432: timed out")
    resource.handle(request(endpoint, "Create"), FakeContext(), migrate=Migrations(error=error))
    assert endpoint.answer["Status"] == "FAILED"
    assert endpoint.answer["Reason"].startswith("database unreachable at db.internal:5432")
    assert FakeContext.log_stream_name in endpoint.answer["Reason"]


def test_socket_errors_read_as_database_unreachable(endpoint: ResponseEndpoint) -> None:
    error = ConnectionRefusedError(111, "Connection refused")
    resource.handle(request(endpoint, "Create"), FakeContext(), migrate=Migrations(error=error))
    assert endpoint.answer["Reason"].startswith("database unreachable: ")


def test_a_failing_migration_names_its_error(endpoint: ResponseEndpoint) -> None:
    error = DatabaseError("42P07 relation already exists")
    resource.handle(request(endpoint, "Update"), FakeContext(), migrate=Migrations(error=error))
    assert endpoint.answer["Status"] == "FAILED"
    assert endpoint.answer["Reason"].startswith(
        "migration failed (DatabaseError): 42P07 relation already exists"
    )


def test_a_broken_layer_still_gets_an_answer(endpoint: ResponseEndpoint) -> None:
    error = ModuleNotFoundError("No module named 'adsync'")
    resource.handle(request(endpoint, "Create"), FakeContext(), migrate=Migrations(error=error))
    assert endpoint.answer["Status"] == "FAILED"
    assert endpoint.answer["Reason"].startswith("migration code unavailable")


def test_failures_are_told_apart_by_class_not_by_name(endpoint: ResponseEndpoint) -> None:
    resource.handle(
        request(endpoint, "Create"), FakeContext(), migrate=Migrations(error=ConfigError("bad"))
    )
    assert endpoint.answer["Reason"].startswith("configuration error: bad")

    foreign = type("ConfigError", (Exception,), {})  # another library's class, our name
    resource.handle(
        request(endpoint, "Update"), FakeContext(), migrate=Migrations(error=foreign("x"))
    )
    assert endpoint.puts[-1].body["Reason"].startswith("migration failed (ConfigError): x")


def test_reserved_concurrency_below_the_mappings_fails_before_migrating(
    endpoint: ResponseEndpoint,
) -> None:
    migrations = Migrations(applied=["0001_initial"])
    event = request(endpoint, "Update", WorkerReservedConcurrency="30")
    resource.handle(event, FakeContext(), migrate=migrations)
    assert migrations.calls == 0
    assert endpoint.answer["Status"] == "FAILED"
    assert "WorkerReservedConcurrency 30 is below" in endpoint.answer["Reason"]
    assert "2 + 5 + 10 + 20 = 37" in endpoint.answer["Reason"]


def test_reserved_concurrency_equal_to_the_sum_is_enough(endpoint: ResponseEndpoint) -> None:
    event = request(endpoint, "Create", WorkerReservedConcurrency="37")
    resource.handle(event, FakeContext(), migrate=Migrations())
    assert endpoint.answer["Status"] == "SUCCESS"


def test_a_migration_error_reads_as_one_line_naming_the_file(endpoint: ResponseEndpoint) -> None:
    error = MigrationError(
        'migration 0008_x failed: 42P07 relation "apishopee_shops"\n already exists',
        sqlstate="42P07",
    )
    resource.handle(request(endpoint, "Update"), FakeContext(), migrate=Migrations(error=error))
    reason = endpoint.answer["Reason"]
    assert reason.startswith(
        'migration 0008_x failed: 42P07 relation "apishopee_shops" already exists (log stream '
    )
    assert "\n" not in reason


def test_reserved_concurrency_zero_means_not_reserved_and_deploys(
    endpoint: ResponseEndpoint,
) -> None:
    """0 drops the reservation (small accounts): nothing to compare the maxima with."""
    migrations = Migrations()
    event = request(endpoint, "Create", WorkerReservedConcurrency="0")
    resource.handle(event, FakeContext(), migrate=migrations)
    assert endpoint.answer["Status"] == "SUCCESS"
    assert migrations.calls == 1


def test_a_huge_error_is_cut_to_fit_cloudformation_s_4_kib_limit(
    endpoint: ResponseEndpoint,
) -> None:
    error = DatabaseError("x" * 10_000)
    resource.handle(request(endpoint, "Create"), FakeContext(), migrate=Migrations(error=error))
    (put,) = endpoint.puts
    assert len(json.dumps(put.body)) < 4096
    assert put.body["Reason"].endswith("...")


def test_unknown_request_type_fails(endpoint: ResponseEndpoint) -> None:
    migrations = Migrations()
    resource.handle(request(endpoint, "Rename"), FakeContext(), migrate=migrations)
    assert migrations.calls == 0
    assert endpoint.answer["Status"] == "FAILED"


def test_an_unreachable_response_url_raises_so_lambda_retries(endpoint: ResponseEndpoint) -> None:
    event = request(endpoint, "Delete")
    event["ResponseURL"] = "http://127.0.0.1:9/nothing-listens-here"
    with pytest.raises(OSError):
        resource.handle(event, FakeContext(), migrate=Migrations())


def test_handler_uses_the_layer_api_it_was_written_against() -> None:
    from adsync.config import load_database_settings
    from adsync.db.connection import Database
    from adsync.db.migrate import apply_migrations

    assert list(inspect.signature(apply_migrations).parameters) == ["db"]
    assert "settings" in inspect.signature(Database).parameters
    assert callable(load_database_settings)


def test_real_migrations_on_a_scratch_database(
    endpoint: ResponseEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local.postgres import scratch_database, server_url

    with scratch_database(server_url(), prefix="adsync_migrate") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        migrate_app.handler(request(endpoint, "Create"), FakeContext())
        migrate_app.handler(request(endpoint, "Update"), FakeContext())

    first, second = (put.body for put in endpoint.puts)
    assert first["Status"] == "SUCCESS", first["Reason"]
    assert "0001_initial" in first["Data"]["Applied"].split(",")
    assert second["Status"] == "SUCCESS", second["Reason"]
    assert second["Data"] == {"Applied": "none", "Count": 0}


def test_a_seed_database_is_adopted_on_create(
    endpoint: ResponseEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adsync.db.migrate import ARCHIVE_STEP, IMPORT_STEP
    from tests.support.seed import database

    with database(with_seed=True) as (url, db):
        monkeypatch.setenv("DATABASE_URL", url)
        migrate_app.handler(request(endpoint, "Create"), FakeContext())
        shops = db.one("SELECT count(*) AS n FROM apishopee_shops")

    answer = endpoint.answer
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    applied = answer["Data"]["Applied"].split(",")
    assert applied[0] == ARCHIVE_STEP and applied[-1] == IMPORT_STEP
    assert "0001_initial" in applied
    assert shops == {"n": 4}


def test_a_broken_migration_fails_the_deploy_with_a_one_line_reason(
    endpoint: ResponseEndpoint,
) -> None:
    from adsync.db.migrate import apply_files, apply_migrations
    from tests.support.seed import database

    with database(with_seed=False) as (_, db):
        apply_migrations(db)
        broken = [("0008_x", "CREATE TABLE apishopee_shops (x integer)")]
        resource.handle(
            request(endpoint, "Update"),
            FakeContext(),
            migrate=lambda _properties: apply_files(db, broken),
        )

    reason = endpoint.answer["Reason"]
    assert endpoint.answer["Status"] == "FAILED"
    assert reason == (
        'migration 0008_x failed: 42P07 relation "apishopee_shops" already exists '
        f"(log stream {FakeContext.log_stream_name})"
    )


def test_the_deploy_refuses_a_database_that_cannot_take_the_worker(
    endpoint: ResponseEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real server, real max_connections: 300 executions x 2 connections exceed any
    test server's limit, so the deploy fails before migrating, saying what to lower."""
    from local.postgres import scratch_database, server_url

    with scratch_database(server_url(), prefix="adsync_migrate") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        event = request(
            endpoint,
            "Create",
            WorkerReservedConcurrency="300",
            WorkerThreads="10",
            UsesRdsProxy="false",
        )
        migrate_app.handler(event, FakeContext())
        db = Database(load_settings_for(url))
        tables = db.one("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'apishopee_shops'")
        db.close()
    answer = endpoint.answer
    assert answer["Status"] == "FAILED"
    assert "configuration error: the database admits" in answer["Reason"]
    assert "300 executions x 2 connections = 600" in answer["Reason"]
    assert tables == {"n": 0}  # refused before any migration ran


def test_through_rds_proxy_the_connection_count_is_the_proxy_s(
    endpoint: ResponseEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local.postgres import scratch_database, server_url

    with scratch_database(server_url(), prefix="adsync_migrate") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        event = request(
            endpoint,
            "Create",
            WorkerReservedConcurrency="300",
            WorkerThreads="10",
            UsesRdsProxy="true",
        )
        migrate_app.handler(event, FakeContext())
    assert endpoint.answer["Status"] == "SUCCESS", endpoint.answer["Reason"]


def test_migrations_wait_longer_than_the_functions_statement_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The role's statement_timeout is lifted per migration (SET LOCAL), but the client
    would still drop a connection silent for DB_STATEMENT_TIMEOUT_SECONDS (30 s): the
    migrate function waits up to its own Lambda time instead."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    settings = resource.migration_settings()
    assert settings.statement_timeout_seconds >= resource.MIGRATION_WAIT_SECONDS >= 240


def test_a_request_without_a_response_url_is_refused_clearly() -> None:
    """`{}` (a hand-made test event) cannot be answered: say so instead of KeyError."""
    with pytest.raises(ValueError, match="not a CloudFormation custom resource request"):
        resource.handle({}, FakeContext(), migrate=Migrations())


def load_settings_for(url: str) -> DatabaseSettings:
    from adsync.config import database_from_url

    return database_from_url(url)


def test_the_template_tells_the_deploy_check_threads_and_proxy(resources: Resources) -> None:
    properties = resources["Migrations"]["Properties"]
    assert properties["WorkerThreads"] == {"Ref": "WorkerThreads"}
    assert properties["UsesRdsProxy"] == {"Fn::If": ["HasRdsProxy", "true", "false"]}
