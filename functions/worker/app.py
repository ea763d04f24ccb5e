"""Lambda `worker`: an SQS batch (up to 10) -> one checkpointed sync per record.

Records run side by side on a bounded thread pool; those that must come back (a retry,
a malformed body, a database outage) are listed in `batchItemFailures`, the others are
deleted by the event source mapping.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adsync.observability import logger, metrics
from adsync.services.deadline import Deadline
from adsync.services.dependencies import Dependencies, Handler
from adsync.services.worker import handle_batch


def make_handler(deps: Dependencies) -> Handler:
    """The handler of one container, on its dependencies, which its record threads share
    (two database connections, one request budget)."""
    pool: ThreadPoolExecutor | None = None

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        nonlocal pool
        if pool is None:  # the container's first batch: WORKER_THREADS is read then
            pool = ThreadPoolExecutor(deps.settings.worker_threads, thread_name_prefix="job")
        deadline = Deadline.from_context(context, reserve=deps.settings.step_reserve)
        return handle_batch(event, deps, deadline, pool=pool)

    return handler


handler = make_handler(Dependencies())
