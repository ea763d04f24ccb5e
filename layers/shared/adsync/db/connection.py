"""One Postgres connection (pg8000 native), with reconnects; `adsync.db.pool` shares a few.

Owns connecting (TLS as `adsync.db.tls` says, the two timeouts, one retry with freshly
read settings after an authentication failure), transactions, cleaning parameters
(`adsync.db.params`) and translating pg8000's and the OS's exceptions into
`DatabaseError`. Statements run in autocommit unless inside `transaction()`. Knows
nothing of jobs or ads.

Rules the connection keeps:
- No session state. RDS Proxy pins a client session to one database connection when
  it sees "SET commands" or "setting a parameter ... using SET and set_config"
  ("Avoiding pinning an RDS Proxy", conditions for PostgreSQL). So no `SET
  statement_timeout` here: the server-side limit is the role's default (README), and the
  client's socket read timeout (`statement_timeout_seconds`) is the backstop. RDS Proxy
  does not pass a CancelRequest on either, so a client cannot cancel server-side.
- A connection whose state is unknown is never used again. Only an error the server
  reported (pg8000's DatabaseError) leaves it usable; a timeout, a reset, a TLS error,
  an encoding error, anything else discards it.
- A statement that may have reached the server is never sent twice: after it was sent,
  a failure raises DatabaseError (the job's own retry decides; its steps are
  idempotent, a blind re-send of a claim or an insert would not be). Before a statement
  is sent, a connection the server has already closed (it is readable while idle: EOF
  or a FATAL notice) is replaced silently, which covers idle Lambdas and failovers.
- Inside a transaction a lost connection loses the transaction: the error is raised,
  and every later statement of that block raises too (none may run in autocommit on a
  new connection as if it were part of it).
"""

import functools
import select
import ssl
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pg8000.native

from adsync.config import DatabaseSettings
from adsync.db.params import clean_params
from adsync.db.tls import tls_context
from adsync.errors import DatabaseError

Row = dict[str, Any]

# invalid_password, invalid_authorization_specification: a rotated secret (or RDS Proxy
# refusing the old one). Worth one fresh read of the settings.
AUTH_FAILED = frozenset({"28P01", "28000"})
# The server is ending the session: the connection will not serve another statement.
_SESSION_ENDING = frozenset({"57P01", "57P02", "57P03"})


# pg8000 finds a statement's :name placeholders character by character at every run (a
# tenth of a worker's CPU in the cycle benchmark); our statements are a fixed set of texts.
_parsed = functools.lru_cache(maxsize=1024)(pg8000.native.to_statement)


class _Connection(pg8000.native.Connection):  # type: ignore[misc]  # pg8000 is untyped
    """pg8000's native connection, each statement text parsed once (`_parsed`)."""

    def run(self, sql: str, stream: Any = None, types: Any = None, **params: Any) -> Any:
        if not params or stream is not None or types is not None:
            return super().run(sql, stream=stream, types=types, **params)
        statement, make_values = _parsed(sql)
        # What pg8000's own run does after parsing (1.31): `columns` reads `_context`.
        self._context = self.execute_unnamed(statement, make_values(params))
        return self._context.rows


def connect(settings: DatabaseSettings, *, application_name: str) -> pg8000.native.Connection:
    """One pg8000 connection as the settings say (TLS and timeouts included). pg8000's
    and the OS's errors pass through: each caller translates them into its own tree."""
    s = settings
    conn = _Connection(
        user=s.user,
        password=s.password,
        host=s.host or "localhost",
        port=s.port,
        database=s.database,
        unix_sock=s.unix_sock,
        ssl_context=tls_context(s),
        timeout=s.connect_timeout_seconds,
        application_name=application_name,
    )
    # pg8000 keeps one timeout for connecting and every read; after the handshake the
    # socket waits as long as a statement may take instead.
    _socket(conn).settimeout(s.statement_timeout_seconds)
    return conn


def _socket(conn: pg8000.native.Connection) -> Any:
    sock = getattr(conn, "_usock", None)  # pg8000 keeps its socket there (1.29-1.31)
    if sock is None:
        raise DatabaseError("pg8000 changed: the connection has no _usock socket")
    return sock


def _open(settings: DatabaseSettings) -> pg8000.native.Connection:
    """`connect`, with every failure translated (the SQLSTATE kept for auth failures)."""
    try:
        return _translated_connect(settings)
    except Exception as exc:
        # A connect that failed half way (the server went away during the handshake)
        # leaves pg8000's file over the socket in the frames of the failure; freed with
        # them, the socket closes now instead of waiting for the garbage collector.
        inner: BaseException | None = exc.__cause__ or exc.__context__
        while inner is not None:
            traceback.clear_frames(inner.__traceback__)
            inner = inner.__cause__ or inner.__context__
        raise


def _translated_connect(settings: DatabaseSettings) -> pg8000.native.Connection:
    s = settings
    where = s.unix_sock or f"{s.host}:{s.port}"
    try:
        return connect(s, application_name="shopee-ads-sync")
    except pg8000.exceptions.InterfaceError as exc:
        if str(exc) == "Server refuses SSL":
            raise DatabaseError(
                f"database at {where} does not offer TLS, and sslmode={s.sslmode} requires it"
            ) from exc
        raise DatabaseError(f"database unreachable at {where}: {_cause(exc)}") from exc
    except ssl.SSLError as exc:
        raise DatabaseError(
            f"TLS with the database at {where} failed (sslmode={s.sslmode}): {exc}"
        ) from exc
    except OSError as exc:
        raise DatabaseError(f"database unreachable at {where}: {exc}") from exc
    except pg8000.exceptions.DatabaseError as exc:
        raise DatabaseError(
            f"database refused the connection: {_pg_message(exc)}", sqlstate=_sqlstate(exc)
        ) from exc


class Database:
    """A lazily opened pg8000 connection that reopens after a dropped socket.

    `refresh_settings` (optional) reads the settings again past every cache; it is
    called once when the server refuses our credentials (a rotated secret).
    """

    def __init__(
        self,
        settings: DatabaseSettings,
        *,
        refresh_settings: Callable[[], DatabaseSettings] | None = None,
    ) -> None:
        self._settings = settings
        self._refresh_settings = refresh_settings
        self._conn: pg8000.native.Connection | None = None
        self._in_transaction = False
        self._transaction_lost = False
        # Counted here, at the seam (read by the benchmarks): statements sent, and
        # connections opened. One thread at a time uses a Database (see db.pool).
        self._round_trips = 0
        self._opened = 0

    def statements(self) -> int:
        """Round trips so far (each `run` is one)."""
        return self._round_trips

    def opened(self) -> int:
        """Connections opened so far (reopened ones included)."""
        return self._opened

    @property
    def is_open(self) -> bool:
        """Whether a connection is open now."""
        return self._conn is not None

    def _connect(self) -> pg8000.native.Connection:
        self._opened += 1
        try:
            return _open(self._settings)
        except DatabaseError as exc:
            if exc.sqlstate not in AUTH_FAILED or self._refresh_settings is None:
                raise
        self._settings = self._refresh_settings()
        return _open(self._settings)

    @property
    def connection(self) -> pg8000.native.Connection:
        """The open connection; one the server has closed is replaced first."""
        if self._conn is not None and _closed_by_server(self._conn):
            self._discard()
        if self._transaction_lost:
            raise DatabaseError("the connection was lost inside a transaction")
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def run(self, sql: str, **params: Any) -> list[Row]:
        """Run one statement; return its rows as dicts keyed by column name."""
        values = clean_params(params)
        conn = self.connection
        self._round_trips += 1
        try:
            rows = conn.run(sql, **values)
        except pg8000.exceptions.DatabaseError as exc:
            sqlstate = _sqlstate(exc)
            if sqlstate.startswith("08") or sqlstate in _SESSION_ENDING:
                self._discard()
            raise DatabaseError(_pg_message(exc), sqlstate=sqlstate) from exc
        except Exception as exc:
            self._discard()
            raise DatabaseError(
                f"database connection lost during a statement (it may have run): {_cause(exc)}"
            ) from exc
        except BaseException:
            self._discard()  # interrupted mid-statement: what the socket holds is unknown
            raise
        if rows is None or conn.columns is None:
            return []
        names = [c["name"] for c in conn.columns]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def one(self, sql: str, **params: Any) -> Row | None:
        """The first row `sql` returns, or None."""
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
            self._end_transaction()
            self._rollback_quietly()
            raise
        lost = self._transaction_lost
        self._end_transaction()
        if lost:
            # The block swallowed the error; its statements died with the connection.
            raise DatabaseError("the connection was lost inside a transaction; none of it ran")
        self.run("COMMIT")

    @contextmanager
    def apart(self) -> Iterator["Database"]:
        """Statements of the block run outside any transaction (the request budget's
        reservations must never join one). A single connection has only itself, so it
        must not be inside one; a pool (`adsync.db.pool`) lends another connection."""
        if self._in_transaction:
            raise RuntimeError("this connection is inside a transaction")
        yield self

    def _end_transaction(self) -> None:
        self._in_transaction = False
        self._transaction_lost = False

    def _rollback_quietly(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.run("ROLLBACK")
        except Exception:
            self._discard()

    def _discard(self) -> None:
        if self._in_transaction:
            self._transaction_lost = True
        self.close()

    def close(self) -> None:
        """Close the connection (quietly); the next statement opens a new one."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            _close_quietly(conn)


def _close_quietly(conn: pg8000.native.Connection) -> None:
    """Close a connection whatever state its socket is in. pg8000's close() first writes
    a Terminate message; on a dead socket that write fails and the buffered file pg8000
    reads the socket through is dropped unclosed, keeping the descriptor open until the
    garbage collector finds it (a ResourceWarning). Close that file too."""
    stream = getattr(conn, "_sock", None)  # pg8000's file over the socket (no public name)
    with suppress(Exception):
        conn.close()
    if stream is not None:
        with suppress(Exception):
            stream.close()


def _closed_by_server(conn: pg8000.native.Connection) -> bool:
    """True when the idle connection has something to read: EOF, or the FATAL message a
    server sends before it closes. An idle healthy connection has nothing."""
    try:
        sock = _socket(conn)
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError, DatabaseError):
        return True
    return bool(readable)


def _cause(exc: BaseException) -> str:
    """The message and, for pg8000's wrapped OS errors, what lies under them."""
    inner = exc.__cause__
    text = f"{type(exc).__name__}: {exc}"
    return f"{text} ({type(inner).__name__}: {inner})" if inner is not None else text


def _sqlstate(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else None
    return str(detail.get("C", "")) if isinstance(detail, dict) else ""


def _pg_message(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else exc
    if isinstance(detail, dict):
        return f"{detail.get('C', '')} {detail.get('M', '')}".strip()
    return str(detail)
