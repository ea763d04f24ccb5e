"""A connection that failed is never used again; a statement is never sent twice.

Real Postgres (DATABASE_URL's scratch database) with a short statement timeout
(0.5 s against a 1.5 s sleep): nothing here waits for a clock, only for the server.
"""

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest

from adsync.config import database_from_url
from adsync.db.connection import Database
from adsync.errors import DatabaseError

SLOW = "SELECT pg_sleep(1.5)"
SHORT = 0.5  # seconds the client waits for a reply in these tests


@pytest.fixture
def admin(database_url: str) -> Iterator[Database]:
    db = Database(database_from_url(database_url))
    yield db
    db.close()


@pytest.fixture
def impatient(database_url: str) -> Iterator[Database]:
    db = Database(replace(database_from_url(database_url), statement_timeout_seconds=SHORT))
    yield db
    db.close()


@pytest.fixture
def table(admin: Database) -> Iterator[str]:
    name = f"probe_{uuid.uuid4().hex[:12]}"
    admin.run(f"CREATE TABLE {name} (id int)")
    yield name
    admin.run(f"DROP TABLE {name}")


def backend_pid(db: Database) -> int:
    row = db.one("SELECT pg_backend_pid() AS pid")
    assert row is not None
    return int(row["pid"])


def wait_until_gone(admin: Database, pid: int) -> None:
    """Until the server has finished with backend `pid` (it runs on after we gave up)."""
    for _ in range(100):
        if admin.one("SELECT 1 AS busy FROM pg_stat_activity WHERE pid = :pid", pid=pid) is None:
            return
        time.sleep(0.05)
    raise AssertionError(f"backend {pid} still running")


def test_a_slow_statement_is_cut_and_the_next_gets_a_fresh_connection(
    impatient: Database,
) -> None:
    first = backend_pid(impatient)
    with pytest.raises(DatabaseError, match=r"may have run.*timed out"):
        impatient.run(SLOW)
    assert impatient.run("SELECT 1 AS one") == [{"one": 1}]
    assert backend_pid(impatient) != first


def test_the_connect_timeout_does_not_limit_statements(database_url: str) -> None:
    settings = replace(
        database_from_url(database_url), connect_timeout_seconds=0.2, statement_timeout_seconds=5
    )
    db = Database(settings)
    assert db.run("SELECT 1 AS slept FROM pg_sleep(0.6)") == [{"slept": 1}]
    db.close()


def wait_until_quiet(admin: Database) -> None:
    """Until no other backend of this database is running a statement."""
    busy = (
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state = 'active'"
    )
    for _ in range(100):
        if admin.run(busy) == [{"n": 0}]:
            return
        time.sleep(0.05)
    raise AssertionError("statements still running")


def test_a_statement_that_may_have_run_is_not_sent_again(
    impatient: Database, admin: Database, table: str
) -> None:
    with pytest.raises(DatabaseError):
        impatient.run(f"INSERT INTO {table} SELECT 1 FROM pg_sleep(1.5)")
    wait_until_quiet(admin)  # the server finished the insert we stopped waiting for
    assert admin.run(f"SELECT count(*) AS n FROM {table}") == [{"n": 1}]


def test_a_connection_the_server_closed_is_replaced_before_sending(
    admin: Database, database_url: str
) -> None:
    db = Database(database_from_url(database_url))
    pid = backend_pid(db)
    admin.run("SELECT pg_terminate_backend(:pid)", pid=pid)  # a failover, an idle kill
    wait_until_gone(admin, pid)
    assert db.run("SELECT 2 AS two") == [{"two": 2}]
    db.close()


def test_a_connection_the_server_closed_releases_its_socket_at_once(
    admin: Database, database_url: str
) -> None:
    """pg8000's close() leaves its buffered file over the socket open (the descriptor
    then waits for the garbage collector: an "unclosed socket" ResourceWarning)."""
    db = Database(database_from_url(database_url))
    pid = backend_pid(db)
    stream, sock = db.connection._sock, db.connection._usock  # pg8000's, no public name
    admin.run("SELECT pg_terminate_backend(:pid)", pid=pid)
    wait_until_gone(admin, pid)
    db.run("SELECT 1")  # the dead connection is discarded, a new one opened
    assert stream.closed
    assert sock.fileno() == -1
    db.close()


def test_a_connection_lost_inside_a_transaction_loses_the_transaction(
    impatient: Database, admin: Database, table: str
) -> None:
    pid = backend_pid(impatient)
    block_error = pytest.raises(DatabaseError, match="lost inside a transaction")
    with block_error, impatient.transaction():
        impatient.run(f"INSERT INTO {table} VALUES (1)")
        with pytest.raises(DatabaseError, match="may have run"):
            impatient.run(SLOW)
        with pytest.raises(DatabaseError, match="lost inside a transaction"):
            impatient.run(f"INSERT INTO {table} VALUES (2)")  # not in autocommit elsewhere
    wait_until_gone(admin, pid)
    assert admin.run(f"SELECT count(*) AS n FROM {table}") == [{"n": 0}]
    assert impatient.run("SELECT 3 AS three") == [{"three": 3}]  # and the next block works


def test_a_server_error_keeps_the_connection(admin: Database) -> None:
    pid = backend_pid(admin)
    with pytest.raises(DatabaseError) as caught:
        admin.run("SELECT 1 / 0")
    assert caught.value.sqlstate == "22012"
    assert backend_pid(admin) == pid


def test_connecting_sets_no_session_state(database_url: str) -> None:
    # RDS Proxy pins a session on SET or set_config (see adsync.db.connection); both show
    # in pg_settings as source 'session'. Startup parameters show as 'client'.
    db = Database(database_from_url(database_url))
    assert db.run("SELECT name FROM pg_settings WHERE source = 'session'") == []
    db.close()
