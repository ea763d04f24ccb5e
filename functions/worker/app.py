"""Lambda `worker`: an SQS batch (up to 10) -> one checkpointed sync per record.

Records run side by side on a bounded thread pool; those that must come back (a retry,
a malformed body, a database outage) are listed in `batchItemFailures`, the others are
deleted by the event source mapping.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adsync.observability import logger, metrics
from adsync.services import dependencies
from adsync.services.batch import process_batch
from adsync.services.deadline import Deadline
from adsync.services.worker import handle_record

# Created once per container; its threads keep their database connections warm.
pool = ThreadPoolExecutor(
    max_workers=max(1, int(os.environ.get("WORKER_THREADS") or 10)), thread_name_prefix="job"
)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reserve = dependencies.current().settings.step_reserve
    deadline = Deadline.from_context(context, reserve=reserve)
    return process_batch(
        event,
        lambda record: handle_record(record, dependencies.current(), deadline),
        pool=pool,
    )
