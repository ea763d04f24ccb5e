"""A small pool of connections that the threads of one Lambda container share.

pg8000 connections are not thread-safe, so the pool hands each connection (one
`Database`, with its reconnect and transaction rules) to one thread at a time: a
statement borrows an idle connection for that statement only; `transaction()` binds one
to the calling thread until the block ends, and the thread's statements inside the
block run on it. Nothing is held between statements, so a thread sleeping for a budget
slot or waiting for Shopee holds no connection.

Rules the pool keeps:
- At most `size` connections, opened lazily (a single-threaded handler opens one).
- At most `size - 1` transactions at once: one connection is always free of them, so
  `apart()` (the request budget's statements, which must never join a transaction,
  not even the calling thread's token refresh) always gets a connection within one
  statement's time, and a transaction that reserves a budget slot cannot deadlock.
- It counts what it does: statements (round trips) and connections opened, read by
  the benchmarks at this seam.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from adsync.config import DatabaseSettings
from adsync.db.connection import Database, Row

DEFAULT_POOL_SIZE = 2  # per container: docs/deploy.md §2, adsync.db.preflight


class ConnectionPool(Database):
    """`size` Databases behind the `Database` interface (run, one, transaction, close)."""

    def __init__(
        self,
        settings: DatabaseSettings,
        *,
        refresh_settings: Callable[[], DatabaseSettings] | None = None,
        size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        if size < 2:
            raise ValueError(
                "a shared pool needs 2 connections or more (one stays free of transactions)"
            )
        super().__init__(settings, refresh_settings=refresh_settings)
        self.size = size
        self._sessions = [
            Database(settings, refresh_settings=refresh_settings) for _ in range(size)
        ]
        self._idle = list(self._sessions)
        self._free = threading.Condition()
        self._transactions = threading.BoundedSemaphore(size - 1)
        self._bound = threading.local()

    # -- what the benchmarks read -----------------------------------------------------

    def statements(self) -> int:
        """Round trips so far, over every connection of the pool."""
        return sum(s.statements() for s in self._sessions)

    def opened(self) -> int:
        """Connections opened so far (reopened ones included)."""
        return sum(s.opened() for s in self._sessions)

    def idle(self) -> int:
        """Connections no thread holds right now."""
        with self._free:
            return len(self._idle)

    def used(self) -> int:
        """Connections that were ever opened: at most `size` at once, by construction."""
        return sum(1 for s in self._sessions if s.opened())

    # -- borrowing --------------------------------------------------------------------

    def _borrow(self) -> Database:
        with self._free:
            while not self._idle:
                self._free.wait()
            # An already open connection first: a lone thread never opens a second one.
            self._idle.sort(key=lambda s: not s.is_open)
            return self._idle.pop(0)

    def _give_back(self, session: Database) -> None:
        with self._free:
            self._idle.append(session)
            self._free.notify()

    @contextmanager
    def _borrowed(self) -> Iterator[Database]:
        session = self._borrow()
        try:
            yield session
        finally:
            self._give_back(session)

    # -- the Database interface ---------------------------------------------------------

    @property
    def connection(self) -> Any:
        """Refused: statements borrow a session, transactions bind one (run, transaction)."""
        raise RuntimeError("a pool has no single connection: use run() or transaction()")

    @property
    def is_open(self) -> bool:
        """Whether any of the pool's sessions is connected."""
        return any(s.is_open for s in self._sessions)

    def run(self, sql: str, **params: Any) -> list[Row]:
        """Run one statement on the thread's transaction's session, else a borrowed one."""
        bound: Database | None = getattr(self._bound, "session", None)
        if bound is not None:
            return bound.run(sql, **params)
        with self._borrowed() as session:
            return session.run(sql, **params)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """A transaction on one session, bound to this thread until it ends."""
        if getattr(self._bound, "session", None) is not None:
            raise RuntimeError("nested transactions are not supported")
        with self._transactions, self._borrowed() as session:
            self._bound.session = session
            try:
                with session.transaction():
                    yield self
            finally:
                self._bound.session = None

    @contextmanager
    def apart(self) -> Iterator[Database]:
        """A connection of its own for the block, outside the thread's transaction."""
        with self._borrowed() as session:
            yield session

    def close(self) -> None:
        """Close every session of the pool."""
        for session in self._sessions:
            session.close()
