"""The container's connection pool (adsync.db.pool) and the budget's shared reservations,
on a real Postgres: at most two connections, one thread per connection at a time, a
transaction bound to its thread, budget statements apart from it, and no connection
held while a thread sleeps for a budget slot."""

import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pytest

from adsync.config import database_from_url
from adsync.db.budget_store import BudgetStore
from adsync.db.connection import Database, connect
from adsync.db.migrate import apply_migrations
from adsync.db.pool import ConnectionPool
from adsync.services.budget import RateBudget
from local.postgres import scratch_database, server_url
from tests.support.clock import FrozenClock

JOIN_SECONDS = 30  # a liveness bound, not a timing: a deadlocked thread never ends


@pytest.fixture
def url() -> Iterator[str]:
    with scratch_database(server_url(), prefix="adsync_pool") as scratch:
        admin = Database(database_from_url(scratch))
        apply_migrations(admin)  # the budget's table
        admin.run("CREATE TABLE t (n integer PRIMARY KEY)")
        admin.close()
        yield scratch


@pytest.fixture
def pool(url: str) -> Iterator[ConnectionPool]:
    shared = ConnectionPool(database_from_url(url), size=2)
    yield shared
    shared.close()


def backends(url: str) -> int:
    """The pool's sessions on the scratch database (probes, which may linger a moment
    after they close, have a name of their own)."""
    probe = connect(database_from_url(url), application_name="pool-probe")
    try:
        rows = probe.run(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = 'shopee-ads-sync'"
        )
    finally:
        probe.close()
    return int(rows[0][0])


def side_by_side(count: int, work: Callable[[int], None]) -> None:
    """Run work(i) on `count` threads at once; re-raise the first failure."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            work(i)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(t.is_alive() for t in threads), "a thread never finished (deadlock)"
    if errors:
        raise errors[0]


def test_ten_threads_share_two_connections_one_thread_each_at_a_time(
    pool: ConnectionPool, url: str
) -> None:
    """Each statement sees its own parameter back (a connection two threads wrote to at
    once would mix replies or fail), and the server never sees more than 2 sessions."""
    seen: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        for k in range(30):
            n = i * 1000 + k
            row = pool.one("SELECT CAST(:n AS integer) AS n, pg_sleep(0.001) AS s", n=n)
            assert row is not None and row["n"] == n
            if k % 10 == 0:
                with lock:
                    seen.append(backends(url))

    side_by_side(10, work)
    assert pool.used() == 2  # ten threads needed both, never a third
    assert max(seen) <= 2
    assert pool.statements() == 300


def test_a_transaction_is_its_thread_s_and_budget_statements_stay_apart(
    pool: ConnectionPool,
) -> None:
    """Inside transaction(), the thread's statements join it (rolled back together);
    apart() runs on the other connection, so what it writes survives the rollback."""

    class Boom(Exception):
        pass

    with pytest.raises(Boom), pool.transaction():
        pool.run("INSERT INTO t VALUES (1)")
        with pool.apart() as other:
            other.run("INSERT INTO t VALUES (2)")
        assert [r["n"] for r in pool.run("SELECT n FROM t ORDER BY n")] == [1, 2]
        raise Boom
    assert [r["n"] for r in pool.run("SELECT n FROM t ORDER BY n")] == [2]


def test_transactions_that_reserve_budget_slots_do_not_deadlock(pool: ConnectionPool) -> None:
    """Two threads each in a transaction (a token refresh) that needs a statement apart
    (its budget slot): with both connections in transactions neither could ever get
    one. At most size - 1 transactions run at once, so one connection stays free."""
    inside = threading.Barrier(2, timeout=5)

    def work(i: int) -> None:
        with pool.transaction():
            pool.run("INSERT INTO t VALUES (:n)", n=10 + i)
            with suppress(threading.BrokenBarrierError):
                inside.wait()  # both inside at once: only possible without the limit
            with pool.apart() as other:
                other.run("SELECT 1")

    side_by_side(2, work)
    assert [r["n"] for r in pool.run("SELECT n FROM t ORDER BY n")] == [10, 11]


def budget_on(pool: ConnectionPool, clock: FrozenClock, **kwargs: object) -> RateBudget:
    return RateBudget(
        store=BudgetStore(pool),
        name="pool-test",
        rate_per_second=10,
        burst=1,
        clock=clock,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_thread_sleeping_for_its_slot_holds_no_connection(pool: ConnectionPool) -> None:
    clock = FrozenClock(datetime.now(UTC))
    idle_while_sleeping: list[int] = []

    def sleep(seconds: float) -> None:
        idle_while_sleeping.append(pool.idle())
        clock.advance(timedelta(seconds=seconds))

    budget = budget_on(pool, clock, sleep=sleep)
    for _ in range(5):
        budget.acquire()
    assert len(idle_while_sleeping) == 4  # slots 1/10 s apart: every call after the first
    assert set(idle_while_sleeping) == {2}


def test_threads_waiting_together_share_one_reservation(pool: ConnectionPool, url: str) -> None:
    """Ten threads waiting for a slot at once: one statement reserves slots for all of
    those waiting (not one round trip each), each slot given once, 1/rate apart."""
    clock = FrozenClock(datetime.now(UTC))
    waits: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    budget = budget_on(pool, clock, sleep=sleep, max_wait=timedelta(minutes=5))
    budget.acquire()  # the bucket exists; its first slot is spent
    before = pool.statements()
    admin = Database(database_from_url(url))
    # Hold the budget's row: the first reservation waits on it while the others queue.
    with admin.transaction():
        admin.run("SELECT * FROM apishopee_rate_budget FOR UPDATE")
        threads = [threading.Thread(target=budget.acquire) for _ in range(10)]
        for thread in threads:
            thread.start()
        while budget.waiting < 10:
            threading.Event().wait(0.01)
    admin.close()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(t.is_alive() for t in threads)
    assert pool.statements() - before <= 2  # the first asker's, then one for the rest
    # Frozen clock: each sleep is its slot's distance from now, each given once.
    assert sorted(round(w, 6) for w in waits) == [round(0.1 * n, 6) for n in range(1, 11)]
