"""The progress bar of a long local run: jobs done / total, Shopee calls, elapsed, ETA.

`ProgressModel` is pure (counts and a monotonic `now` in, a `Snapshot` out), so the
arithmetic is tested without a terminal. `RunProgress` draws it with rich on a stream
that is a terminal, and writes nothing at all otherwise (pipes, tests, `--json`). It
is fed from the runner's poll loop with the job counts the loop already reads: it must
not query the database itself.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from adsync.jobs import JobStatus
from local.console.render import age

LIVE_STATUSES = (JobStatus.PENDING, JobStatus.PROCESSING)  # what a cycle still has to do


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    jobs_done: int
    jobs_total: int
    shopee_calls: int | None  # None: not counted (a real Shopee)
    elapsed_seconds: float
    eta_seconds: float | None  # None until some job has finished during this run

    @property
    def fraction(self) -> float:
        return self.jobs_done / self.jobs_total if self.jobs_total else 0.0


class ProgressModel:
    """Turns job counts into a fraction and an ETA from this run's own pace.

    Jobs finished before the run (a resumed database) count as done but not as pace:
    the ETA is the remaining jobs at the rate jobs finished since the first count.
    """

    def __init__(self, *, started_at: float) -> None:
        self._started_at = started_at
        self._first: tuple[float, int] | None = None  # (when, jobs done) at the first count

    def observe(
        self, *, jobs_by_status: Mapping[str, int], shopee_calls: int | None, now: float
    ) -> Snapshot:
        total = sum(jobs_by_status.values())
        remaining = sum(jobs_by_status.get(status, 0) for status in LIVE_STATUSES)
        done = total - remaining
        if self._first is None:
            self._first = (now, done)
        first_at, first_done = self._first
        finished_here, seconds = done - first_done, now - first_at
        eta = None
        if remaining == 0:
            eta = 0.0
        elif finished_here > 0 and seconds > 0:
            eta = remaining * seconds / finished_here
        return Snapshot(
            jobs_done=done,
            jobs_total=total,
            shopee_calls=shopee_calls,
            elapsed_seconds=now - self._started_at,
            eta_seconds=eta,
        )


class RunProgress:
    """A rich progress bar on `stream` when it is a terminal; silent otherwise."""

    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._model = ProgressModel(started_at=clock())
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        if stream.isatty():
            self._bar = Progress(
                TextColumn("jobs"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[calls]} Shopee calls"),
                TextColumn("elapsed {task.fields[elapsed]}"),
                TextColumn("left {task.fields[eta]}"),
                console=Console(file=stream),
                auto_refresh=False,
                transient=True,  # the summary follows; the bar need not stay
            )

    def update(self, *, jobs_by_status: Mapping[str, int], shopee_calls: int | None) -> Snapshot:
        snapshot = self._model.observe(
            jobs_by_status=jobs_by_status, shopee_calls=shopee_calls, now=self._clock()
        )
        if self._bar is None:
            return snapshot
        if self._task is None:
            self._task = self._bar.add_task("jobs", total=None, calls=0, elapsed="-", eta="-")
            self._bar.start()
        self._bar.update(
            self._task,
            completed=snapshot.jobs_done,
            total=snapshot.jobs_total or None,
            calls="-" if snapshot.shopee_calls is None else snapshot.shopee_calls,
            elapsed=age(snapshot.elapsed_seconds),
            eta=age(snapshot.eta_seconds),
        )
        self._bar.refresh()
        return snapshot

    def close(self) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.stop()
