"""Lambda `dead_letter`: messages from the four DLQs -> their jobs marked failed.

A record whose job cannot be marked (the database is down) is listed in
`batchItemFailures` and stays in its DLQ for the next try.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adsync.observability import logger, metrics
from adsync.services.batch import process_batch
from adsync.services.dead_letter import handle_dead_letter
from adsync.services.dependencies import Dependencies, Handler


def make_handler(deps: Dependencies) -> Handler:
    """The handler of one container, on its dependencies."""
    # One thread: a dead letter is one UPDATE, and this keeps one database connection.
    pool = ThreadPoolExecutor(1, thread_name_prefix="dead-letter")

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return process_batch(event, lambda record: handle_dead_letter(record, deps), pool=pool)

    return handler


handler = make_handler(Dependencies())
