"""Lambda `worker`: an SQS batch (up to 10) -> one checkpointed sync per record.

Records run side by side on a bounded thread pool; those that must come back (a retry,
a malformed body, a database outage) are listed in `batchItemFailures`, the others are
deleted by the event source mapping.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adsync.observability import logger, metrics
from adsync.services import dependencies
from adsync.services.deadline import Deadline
from adsync.services.worker import handle_batch

_container = threading.local()


def _pool() -> ThreadPoolExecutor:
    """One pool per container, created on its first batch. Its threads share the
    container's dependencies (two database connections, one request budget). (Lambda
    runs one invocation per container at a time; the local runtime runs several
    containers as threads, each with its own pool.)"""
    pool: ThreadPoolExecutor | None = getattr(_container, "pool", None)
    if pool is None:
        threads = dependencies.current().settings.worker_threads
        pool = _container.pool = ThreadPoolExecutor(threads, thread_name_prefix="job")
    return pool


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = dependencies.current()  # the container's, shared by its record threads
    deadline = Deadline.from_context(context, reserve=deps.settings.step_reserve)
    return handle_batch(event, deps, deadline, pool=_pool())
