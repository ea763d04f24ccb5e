"""One Postgres connection per Lambda container (pg8000 native), with reconnects.

Owns connecting, transactions and translating pg8000's exceptions into
`DatabaseError`. Statements run in autocommit unless inside `transaction()`.
Knows nothing of jobs or ads.
"""

import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from typing import Any

import pg8000.native

from adsync.config import DatabaseSettings
from adsync.errors import DatabaseError

Row = dict[str, Any]


def _tls_context(settings: DatabaseSettings) -> ssl.SSLContext | bool:
    """TLS that trusts only Amazon's RDS and root CAs (shipped in the layer), with
    hostname checks; locally (verify_tls False) a plain connection."""
    if not settings.verify_tls:
        return False
    bundle = resources.files("adsync").joinpath("certs", "rds-global-bundle.pem")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificate and hostname
    context.load_verify_locations(cadata=bundle.read_text("ascii"))
    return context


def connect(settings: DatabaseSettings, *, application_name: str) -> pg8000.native.Connection:
    """One pg8000 connection as the settings say (TLS included). pg8000's and the OS's
    errors pass through: each caller translates them into its own tree."""
    s = settings
    return pg8000.native.Connection(
        user=s.user,
        password=s.password,
        host=s.host or "localhost",
        port=s.port,
        database=s.database,
        unix_sock=s.unix_sock,
        ssl_context=_tls_context(s),
        timeout=s.connect_timeout_seconds,
        application_name=application_name,
    )


class Database:
    """A lazily opened pg8000 connection that reopens after a dropped socket."""

    def __init__(self, settings: DatabaseSettings) -> None:
        self._settings = settings
        self._conn: pg8000.native.Connection | None = None
        self._in_transaction = False

    def _connect(self) -> pg8000.native.Connection:
        s = self._settings
        try:
            conn = connect(s, application_name="shopee-ads-sync")
            conn.run(f"SET statement_timeout = {int(s.statement_timeout_ms)}")
        except (pg8000.exceptions.InterfaceError, OSError) as exc:
            where = s.unix_sock or f"{s.host}:{s.port}"
            raise DatabaseError(f"database unreachable at {where}: {exc}") from exc
        except pg8000.exceptions.DatabaseError as exc:
            raise DatabaseError(f"database refused the connection: {_pg_message(exc)}") from exc
        return conn

    @property
    def connection(self) -> pg8000.native.Connection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def run(self, sql: str, **params: Any) -> list[Row]:
        """Run one statement; return its rows as dicts keyed by column name."""
        retry = not self._in_transaction
        while True:
            conn = self.connection
            try:
                rows = conn.run(sql, **params)
            except pg8000.exceptions.InterfaceError as exc:
                # A dropped socket (idle Lambda, RDS failover): reconnect once, but never
                # inside a transaction, whose earlier statements died with the socket.
                self.close()
                if retry:
                    retry = False
                    continue
                raise DatabaseError(f"database connection lost: {exc}") from exc
            except pg8000.exceptions.DatabaseError as exc:
                raise DatabaseError(_pg_message(exc), sqlstate=_sqlstate(exc)) from exc
            if rows is None or conn.columns is None:
                return []
            names = [c["name"] for c in conn.columns]
            return [dict(zip(names, row, strict=True)) for row in rows]

    def one(self, sql: str, **params: Any) -> Row | None:
        rows = self.run(sql, **params)
        return rows[0] if rows else None

    @contextmanager
    def transaction(self) -> Iterator["Database"]:
        """Run the block in one transaction; roll back on any exception."""
        if self._in_transaction:
            raise RuntimeError("nested transactions are not supported")
        self.run("BEGIN")
        self._in_transaction = True
        try:
            yield self
        except BaseException:
            self._in_transaction = False
            self._rollback_quietly()
            raise
        self._in_transaction = False
        self.run("COMMIT")

    def _rollback_quietly(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.run("ROLLBACK")
        except (pg8000.exceptions.InterfaceError, pg8000.exceptions.DatabaseError, OSError):
            self.close()

    def close(self) -> None:
        if self._conn is not None:
            with suppress(pg8000.exceptions.InterfaceError, OSError):
                self._conn.close()
            self._conn = None


def _sqlstate(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else None
    return str(detail.get("C", "")) if isinstance(detail, dict) else ""


def _pg_message(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else exc
    if isinstance(detail, dict):
        return f"{detail.get('C', '')} {detail.get('M', '')}".strip()
    return str(detail)
