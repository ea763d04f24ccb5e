"""Lambda `maintenance`: a Scheduler tick {"task": "reconcile" | "cleanup"} -> one pass."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adsync.observability import logger, metrics
from adsync.services.dependencies import Dependencies, Handler
from adsync.services.maintenance import parse_task, run_task


def make_handler(deps: Dependencies) -> Handler:
    """The handler of one container, on its dependencies."""

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return run_task(parse_task(event), deps)

    return handler


handler = make_handler(Dependencies())
