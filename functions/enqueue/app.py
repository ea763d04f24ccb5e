"""Lambda `enqueue`: a Scheduler tick ({sync_type, priority}) -> job rows -> SQS.

Also a "sync now": `shop_ids` narrows it to some shops, and `start_day`/`end_day`
(backfill_day) asks for a range of days, one job per shop and day.

A malformed event raises BadEventError: the Scheduler's retry policy and dead-letter
queue keep it for an operator instead of dropping it.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adsync.jobs import EnqueueRequest
from adsync.observability import logger, metrics
from adsync.services.dependencies import Dependencies, Handler
from adsync.services.enqueue import enqueue


def make_handler(deps: Dependencies) -> Handler:
    """The handler of one container, on its dependencies."""

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        request = EnqueueRequest.from_event(
            event, default_window_days=deps.settings.attribution_window_days
        )
        result = enqueue(request, deps)
        return {
            "sync_type": request.sync_type.value,
            "priority": request.priority,
            "eligible_shops": result.eligible_shops,
            "enqueued": result.inserted,
            "sent": result.sent,
            "send_failed": result.send_failed,
            "skipped_shops": list(result.skipped_shop_ids),
            "outside_window": result.outside_window,
        }

    return handler


handler = make_handler(Dependencies())
