"""The local run's progress: counts -> fraction and ETA; nothing drawn off a terminal."""

import io

from local.progress import ProgressModel, RunProgress


def test_fraction_counts_every_finished_job() -> None:
    model = ProgressModel(started_at=100.0)
    snap = model.observe(
        jobs_by_status={"completed": 30, "failed": 10, "pending": 50, "processing": 10},
        shopee_calls=7,
        now=104.0,
    )
    assert (snap.jobs_done, snap.jobs_total, snap.fraction) == (40, 100, 0.4)
    assert (snap.shopee_calls, snap.elapsed_seconds) == (7, 4.0)
    assert snap.eta_seconds is None  # no pace yet


def test_eta_is_the_rest_at_this_runs_pace() -> None:
    model = ProgressModel(started_at=0.0)
    # 20 jobs were finished by an earlier run: they are done, but not pace.
    model.observe(jobs_by_status={"completed": 20, "pending": 80}, shopee_calls=0, now=2.0)
    snap = model.observe(
        jobs_by_status={"completed": 40, "processing": 10, "pending": 50}, shopee_calls=90, now=12.0
    )
    assert snap.fraction == 0.4
    assert snap.eta_seconds == 60 * 10 / 20  # 60 left at 20 per 10 s
    done = model.observe(jobs_by_status={"completed": 100}, shopee_calls=300, now=40.0)
    assert (done.fraction, done.eta_seconds) == (1.0, 0.0)


def test_no_jobs_is_no_progress_not_a_division_by_zero() -> None:
    snap = ProgressModel(started_at=0.0).observe(jobs_by_status={}, shopee_calls=0, now=1.0)
    assert (snap.fraction, snap.eta_seconds) == (0.0, 0.0)


def test_nothing_is_written_to_a_stream_that_is_not_a_terminal() -> None:
    stream = io.StringIO()
    clock = iter([0.0, 1.0, 2.0])
    progress = RunProgress(stream, clock=lambda: next(clock))
    progress.update(jobs_by_status={"pending": 10}, shopee_calls=0)
    snap = progress.update(jobs_by_status={"completed": 5, "pending": 5}, shopee_calls=12)
    progress.close()
    assert snap.fraction == 0.5  # the model still runs
    assert stream.getvalue() == ""


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_with_calls_and_time_left() -> None:
    stream = FakeTerminal()
    clock = iter([0.0, 1.0, 11.0])
    progress = RunProgress(stream, clock=lambda: next(clock))
    progress.update(jobs_by_status={"pending": 100}, shopee_calls=0)
    progress.update(jobs_by_status={"completed": 50, "pending": 50}, shopee_calls=321)
    drawn = stream.getvalue()
    progress.close()
    assert "50/100" in drawn and "321 Shopee calls" in drawn and "left 10s" in drawn
