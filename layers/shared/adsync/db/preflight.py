"""Deploy-time checks of the database server, run before the migrations touch it.

A server too old for the migrations, or one that admits fewer connections than the
worker will open at full concurrency, fails the deploy with a reason that says what
to change, instead of failing at the first statement or at the first busy hour
("sorry, too many clients already"). Reads settings only; changes nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adsync.db.connection import Database
from adsync.db.pool import DEFAULT_POOL_SIZE
from adsync.db.sql import query
from adsync.errors import ConfigError

# gen_random_uuid() without an extension is PostgreSQL 13+ (docs/deploy.md).
MIN_SERVER_VERSION_NUM = 130000
# enqueue, maintenance, dead_letter, migrate and an operator's session at once.
OTHER_CONNECTIONS = 10


@dataclass(frozen=True, kw_only=True)
class ServerFacts:
    """What the deploy checks read from the database server."""

    version_num: int
    version: str
    max_connections: int
    reserved_connections: int

    @property
    def client_connections(self) -> int:
        """Connections a non-superuser role may open."""
        return self.max_connections - self.reserved_connections


@dataclass(frozen=True, kw_only=True)
class WorkerShape:
    """How many connections the worker opens at full concurrency."""

    executions: int  # reserved concurrency, or the sum of the mappings' maxima
    pooled: bool  # through RDS Proxy: the proxy, not the server, holds the clients
    # Per execution: its record threads and request budget share this pool (db.pool),
    # however many WORKER_THREADS it runs.
    per_execution: int = DEFAULT_POOL_SIZE

    @property
    def connections(self) -> int:
        """Connections the workers may hold at once: each execution's pool."""
        return self.executions * self.per_execution


def worker_shape(properties: Mapping[str, Any]) -> WorkerShape | None:
    """The worker as the stack's parameters make it (the Migrations resource's
    properties), after checking that its reservation covers its mappings; None when the
    properties do not describe it.

    Reserved concurrency (0 = none) must be >= the sum of the mappings' maxima, else the
    mappings poll batches the function may not run, the throttled receives count toward
    maxReceiveCount, and healthy jobs reach the DLQ. CloudFormation Rules cannot add
    numbers, so the deploy checks it here.
    """
    if "WorkerReservedConcurrency" not in properties:
        return None
    try:
        reserved = int(properties["WorkerReservedConcurrency"])
        maxima = [int(value) for value in properties["WorkerMaximumConcurrency"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"worker concurrency settings are not integers: {exc}") from exc
    total = sum(maxima)
    if 0 < reserved < total:
        terms = " + ".join(str(value) for value in maxima)
        raise ConfigError(
            f"WorkerReservedConcurrency {reserved} is below the sum of the worker mappings' "
            f"MaximumConcurrency ({terms} = {total}): raise WorkerReservedConcurrency "
            "(or set it to 0 for none) or lower the PriorityNMaxConcurrency parameters"
        )
    return WorkerShape(
        executions=reserved or total,
        pooled=str(properties.get("UsesRdsProxy", "false")).lower() == "true",
    )


def server_facts(db: Database) -> ServerFacts:
    """Read the server's version and connection limits."""
    row = db.one(query("preflight.sql", "server_facts"))
    assert row is not None
    return ServerFacts(**row)


def check_server(facts: ServerFacts, worker: WorkerShape | None) -> None:
    """Raise ConfigError saying what to change when the server cannot take the stack."""
    if facts.version_num < MIN_SERVER_VERSION_NUM:
        raise ConfigError(f"PostgreSQL {facts.version} is too old: the migrations need 13 or newer")
    if worker is None or worker.pooled:
        return
    needed = worker.connections + OTHER_CONNECTIONS
    if needed > facts.client_connections:
        raise ConfigError(
            f"the database admits {facts.client_connections} client connections "
            f"(max_connections {facts.max_connections} - {facts.reserved_connections} "
            f"reserved) but the stack may open {needed}: the worker "
            f"{worker.executions} executions x {worker.per_execution} connections = "
            f"{worker.connections}, plus {OTHER_CONNECTIONS} for the other functions. "
            "Lower the worker concurrency, set RdsProxyEndpoint, or "
            "raise max_connections in the DB parameter group (docs/deploy.md §2)"
        )
