"""Credentials and limits that live on the database role (our own TLS cluster, where
passwords are checked): a rotated secret is read again once; the role's
`statement_timeout` default cuts a statement on the server without any SET."""

import json
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from adsync.config import load_database_settings
from adsync.db.connection import Database
from adsync.errors import DatabaseError
from adsync.services.dependencies import Dependencies
from local.stack import AWS_ENV, patched_env
from tests.support.pgcluster import Cluster

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient


def run_admin(cluster: Cluster, sql: str) -> None:
    admin = cluster.admin()
    try:
        admin.run(sql)
    finally:
        admin.close()


@pytest.fixture
def role(cluster: Cluster) -> Iterator[str]:
    name = f"adsync_role_{uuid.uuid4().hex[:10]}"
    run_admin(cluster, f"CREATE ROLE {name} LOGIN PASSWORD 'first-password'")
    yield name
    run_admin(
        cluster, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'"
    )
    run_admin(cluster, f"DROP ROLE {name}")


@pytest.fixture
def secrets() -> Iterator["SecretsManagerClient"]:
    with patched_env(AWS_ENV), mock_aws():
        yield boto3.client("secretsmanager")
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated


def secret_value(cluster: Cluster, role: str, password: str) -> str:
    return json.dumps(
        {"host": "127.0.0.1", "port": cluster.port, "username": role, "password": password}
    )


def test_a_rotated_secret_is_read_again_once(
    cluster: Cluster, role: str, secrets: "SecretsManagerClient"
) -> None:
    sm = secrets
    arn = sm.create_secret(
        Name=f"db-{role}", SecretString=secret_value(cluster, role, "first-password")
    )["ARN"]
    env = {**AWS_ENV, "DB_SECRET_ARN": arn, "DB_SSL": "require", "DB_NAME": "postgres"}
    deps = Dependencies(env=env)
    assert deps.db.run("SELECT current_user AS me") == [{"me": role}]

    # Rotation: the role gets a new password, the secret its new value; Powertools
    # still caches the old one (max_age 300 s).
    run_admin(cluster, f"ALTER ROLE {role} PASSWORD 'second-password'")
    sm.put_secret_value(SecretId=arn, SecretString=secret_value(cluster, role, "second-password"))
    cached = Database(load_database_settings(env))
    with pytest.raises(DatabaseError) as refused:
        cached.run("SELECT 1")
    assert refused.value.sqlstate == "28P01"
    assert "second-password" not in str(refused.value)

    deps.db.close()  # the warm container's next reconnect
    assert deps.db.run("SELECT current_user AS me") == [{"me": role}]
    deps.close()


def test_the_roles_statement_timeout_cuts_on_the_server_and_keeps_the_connection(
    cluster: Cluster, role: str
) -> None:
    # The non-pinning server-side limit README asks for: ALTER ROLE ... SET.
    run_admin(cluster, f"ALTER ROLE {role} SET statement_timeout = '300ms'")
    db = Database(cluster.settings(user=role, password="first-password"))
    pid = db.run("SELECT pg_backend_pid() AS pid")
    with pytest.raises(DatabaseError) as cut:
        db.run("SELECT pg_sleep(1.5)")
    assert cut.value.sqlstate == "57014"  # query_canceled by statement_timeout
    assert db.run("SELECT pg_backend_pid() AS pid") == pid
    source = db.run("SELECT source FROM pg_settings WHERE name = 'statement_timeout'")
    db.close()
    assert source == [{"source": "user"}]  # the role's default, not a session SET
    db.close()
