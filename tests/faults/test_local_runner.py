"""12.4: the local runner waits out a database restart and resumes after a crash.

It used to die on `57P03` from its "is the cycle done?" check while Postgres
restarted, and every start dropped its database, so a crashed run could not resume.
"""

from datetime import timedelta

import pytest

from adsync.config import database_from_url
from adsync.db.connection import Database
from adsync.db.job_store import JobStore
from local.postgres import scratch_database, server_url
from local.runner import ForeignShopsError, RunOptions, _cycle_done, run_cycle
from local.simulator import World, WorldSettings
from local.stack import local_stack
from tests.support.restartable import RestartableServer

SHOPS, SEED = 3, 5


def test_the_done_check_waits_out_a_stopped_database(restartable: RestartableServer) -> None:
    url = restartable.create_database("adsync_runner")
    world = World.generate(WorldSettings(seed=SEED, shop_count=SHOPS))
    with local_stack(database_url=url, world=world) as stack:
        stack.onboard_all()
        stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
        restartable.stop()
        try:
            assert _cycle_done(stack) is False  # not "done", and not dead
        finally:
            restartable.start()
        assert _cycle_done(stack) is False  # three jobs pending


def test_a_run_resumes_what_a_crashed_run_left() -> None:
    with scratch_database(server_url(), prefix="adsync_resume") as url:
        world = World.generate(WorldSettings(seed=SEED, shop_count=SHOPS))
        with local_stack(database_url=url, world=world) as crashed:  # its SQS dies with it
            crashed.onboard_all()
            crashed.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
            db = crashed.database()
            try:  # one job was mid-run when the process died
                db.run(
                    "UPDATE apishopee_ads_sync_queue SET status = 'processing', "
                    "lease_expires_at = :t WHERE id = 1",
                    t=crashed.simulator.now() + timedelta(minutes=15),
                )
            finally:
                db.close()

        summary = run_cycle(
            RunOptions(shops=SHOPS, seed=SEED, timeout_seconds=120), database_url=url
        )

        assert summary.resumed_jobs == SHOPS
        assert summary.enqueued == 0  # the live jobs were the tick's: nothing twice
        assert summary.jobs_by_status == {"completed": SHOPS}
        assert summary.ok, summary
        with local_stack(database_url=url, world=world) as after:
            db = after.database()
            try:
                rows = db.run("SELECT retry_count FROM apishopee_ads_sync_queue")
                assert [r["retry_count"] for r in rows] == [0] * SHOPS
                assert JobStore(db).count_by_status() == {"completed": SHOPS}
            finally:
                db.close()


def test_a_run_refuses_a_database_whose_shops_its_world_lacks() -> None:
    """`make run` (20 shops), then `--shops 3`: the 20 are unknown to a 3-shop simulator."""
    with scratch_database(server_url(), prefix="adsync_worlds") as url:
        with local_stack(
            database_url=url, world=World.generate(WorldSettings(seed=SEED, shop_count=SHOPS))
        ) as earlier:
            earlier.onboard_all()
            earlier.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
        other = RunOptions(shops=3, seed=SEED + 1, timeout_seconds=60, database="adsync_x")

        with pytest.raises(ForeignShopsError, match=r"holds \d+ active shop\(s\).*--fresh"):
            run_cycle(other, database_url=url)

        db = Database(database_from_url(url))
        try:  # nothing ran, nothing changed: the earlier run's jobs wait as they were
            rows = db.run("SELECT status, dispatched_at FROM apishopee_ads_sync_queue")
            assert len(rows) == SHOPS
            assert all(r["status"] == "pending" and r["dispatched_at"] for r in rows)
            assert db.one("SELECT count(*) AS n FROM apishopee_shops") == {"n": SHOPS}
        finally:
            db.close()


def test_a_run_refuses_a_database_recorded_for_another_world() -> None:
    """Shop ids can coincide between worlds while their campaigns differ: the database
    records the world it was run with, and another one is refused before it runs."""
    with scratch_database(server_url(), prefix="adsync_worlds") as url:
        first = run_cycle(RunOptions(shops=2, seed=SEED, timeout_seconds=120), database_url=url)
        assert first.ok, first

        with pytest.raises(ForeignShopsError, match="was last run with the simulated world"):
            run_cycle(RunOptions(shops=SHOPS, seed=SEED, timeout_seconds=60), database_url=url)

        again = run_cycle(RunOptions(shops=2, seed=SEED, timeout_seconds=120), database_url=url)
        assert again.ok and again.jobs_by_status == {"completed": 4}, again
