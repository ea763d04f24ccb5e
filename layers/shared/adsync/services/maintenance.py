"""Maintenance passes, each one `run_once`-style function taking `now` from the caller.

- cleanup (02:00 local): delete completed/failed jobs older than the retention.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adsync.errors import BadEventError
from adsync.observability import count, logger
from adsync.services.dependencies import Dependencies

TASKS = ("cleanup",)


@dataclass(frozen=True, kw_only=True)
class CleanupResult:
    deleted: int


def parse_task(event: Mapping[str, Any]) -> str:
    task = event.get("task") if isinstance(event, Mapping) else None
    if task not in TASKS:
        raise BadEventError(f"unknown maintenance task {task!r}; expected one of {TASKS}")
    return str(task)


def cleanup(deps: Dependencies) -> CleanupResult:
    """Delete finished jobs older than the retention (seed: 7 days)."""
    cutoff = deps.clock() - deps.settings.job_retention
    deleted = deps.jobs.delete_finished_before(cutoff)
    count("JobsCleanedUp", deleted)
    logger.info("cleanup done", deleted=deleted, cutoff=cutoff.isoformat())
    return CleanupResult(deleted=deleted)
