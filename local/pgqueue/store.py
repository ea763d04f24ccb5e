"""Postgres access for pgqueue: one pg8000 connection per thread, named SQL blocks.

Owns connecting (lazily, per thread, reconnecting once after a dropped socket),
transactions, installing the schema, and translating pg8000's exceptions into the
botocore errors a boto3 client raises (Postgres plays the SQS endpoint here). Knows
nothing of SQS's rules: those live in `client.py`.
"""

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from importlib import resources
from typing import Any

import pg8000.native
from botocore.exceptions import ClientError, EndpointConnectionError

from adsync.config import DatabaseSettings, database_from_url
from adsync.db.connection import connect
from adsync.db.sql import parse_blocks

Row = dict[str, Any]


@cache
def _blocks(filename: str) -> dict[str, str]:
    return parse_blocks(resources.files("local.pgqueue").joinpath(filename).read_text("utf-8"))


def sql(name: str, filename: str = "queries.sql") -> str:
    return _blocks(filename)[name]


class _ThreadConnection:
    """One thread's connection, closed when the thread ends and its thread-locals go:
    the local runtime's containers come and go, Postgres allows ~100 connections."""

    def __init__(self, conn: pg8000.native.Connection) -> None:
        self.conn = conn

    def close(self) -> None:
        with suppress(Exception):
            self.conn.close()

    def __del__(self) -> None:
        self.close()


class Store:
    """Thread-local connections to one database; safe to share between threads."""

    def __init__(self, database_url: str) -> None:
        self._settings: DatabaseSettings = database_from_url(database_url)
        self._endpoint = f"postgres://{self._settings.host or self._settings.unix_sock}"
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: weakref.WeakSet[_ThreadConnection] = weakref.WeakSet()

    def _connect(self) -> _ThreadConnection:
        try:
            conn = connect(self._settings, application_name="pgqueue")
        except (pg8000.exceptions.InterfaceError, pg8000.exceptions.DatabaseError, OSError) as exc:
            raise EndpointConnectionError(endpoint_url=self._endpoint, error=exc) from exc
        owned = _ThreadConnection(conn)
        with self._lock:
            self._all.add(owned)
        return owned

    def _connection(self) -> pg8000.native.Connection:
        owned: _ThreadConnection | None = getattr(self._local, "owned", None)
        if owned is None:
            owned = self._local.owned = self._connect()
            self._local.in_transaction = False
        return owned.conn

    def run(self, statement: str, /, **params: Any) -> list[Row]:
        """Run one statement on this thread's connection; rows as dicts."""
        retry = not getattr(self._local, "in_transaction", False)
        while True:
            conn = self._connection()
            try:
                rows = conn.run(statement, **params)
            except (pg8000.exceptions.InterfaceError, OSError) as exc:
                self._drop()
                if retry:
                    retry = False
                    continue
                raise EndpointConnectionError(endpoint_url=self._endpoint, error=exc) from exc
            except pg8000.exceptions.DatabaseError as exc:
                # A bug or an overloaded server: what SQS reports as an InternalError.
                raise ClientError(
                    {"Error": {"Code": "InternalError", "Message": str(exc)}}, "pgqueue"
                ) from exc
            if rows is None or conn.columns is None:
                return []
            names = [c["name"] for c in conn.columns]
            return [dict(zip(names, row, strict=True)) for row in rows]

    def query(self, block: str, /, **params: Any) -> list[Row]:
        """Run the named block of queries.sql."""
        return self.run(sql(block), **params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.run("BEGIN")
        self._local.in_transaction = True
        try:
            yield
        except BaseException:
            self._local.in_transaction = False
            with suppress(Exception):
                self.run("ROLLBACK")
            raise
        self._local.in_transaction = False
        self.run("COMMIT")

    def install(self) -> None:
        """Create the schema if missing (concurrent installers wait on an advisory lock)."""
        with self.transaction():
            for name in ("lock_install", "create_schema", "create_queues", "create_messages",
                         "create_ready_index"):  # fmt: skip
                self.run(sql(name, "schema.sql"))

    def truncate_all(self) -> None:
        """Forget every queue and message (tests and benchmarks only)."""
        self.run(sql("truncate_all", "schema.sql"))

    def _drop(self) -> None:
        owned: _ThreadConnection | None = getattr(self._local, "owned", None)
        self._local.owned = None
        if owned is not None:
            owned.close()

    def close(self) -> None:
        """Close every thread's connection (call when no thread uses the store)."""
        with self._lock:
            owned, self._all = list(self._all), weakref.WeakSet()
        for thread_connection in owned:
            thread_connection.close()
        self._local = threading.local()
