"""After a sync: do the shop's totals reconcile with the sums of their parts?

Compares, for the days the job synced, the shop-level totals with the sum of the
campaign rows and each daily row with the sum of its hours (the SQL says which metrics),
keeps the differences in the database and counts those beyond rounding in the
`TotalsDifferences` metric. A difference is information, not a failure: the job is
already completed and stays so, even when the check itself cannot run. Which
differences are expected (ad types the product-level endpoints do not cover, GMS,
campaigns deleted before the first sync, rounding) is in docs/operations.md.
"""

from datetime import date
from typing import Any

from adsync.errors import DatabaseError
from adsync.jobs import Job
from adsync.observability import count, logger
from adsync.services.dependencies import Dependencies


def check_totals(job: Job, stats: dict[str, Any], deps: Dependencies) -> None:
    """Check the days of a completed job (`stats`: its cursor's start_day/end_day). A
    realtime job that found the shop's totals unchanged wrote no CPC row: its day was
    checked when they last changed, and checking again would only cost round trips."""
    if stats.get("shop_changed") is False:
        return
    try:
        checked = deps.totals.check(
            shop_id=job.shop_id,
            start_day=date.fromisoformat(stats["start_day"]),
            end_day=date.fromisoformat(stats["end_day"]),
            now=deps.clock(),
        )
    except DatabaseError as exc:
        logger.warning("totals not checked", shop_id=job.shop_id, job_id=job.id, error=str(exc))
        return
    count("TotalsDifferences", checked.beyond_rounding)
    if checked.differences:
        logger.info(
            "totals differ from the sum of their parts",
            shop_id=job.shop_id,
            job_id=job.id,
            differences=checked.differences,
            beyond_rounding=checked.beyond_rounding,
        )
