"""Lambda `worker`: an SQS batch (up to 10) -> one sync per record -> partial failures.

Records that must come back (a retry, a malformed body) are listed in
`batchItemFailures`; everything else is deleted by the event source mapping.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from adsync.observability import logger, metrics
from adsync.services import dependencies
from adsync.services.worker import Outcome, handle_record

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> Outcome:
    return handle_record(record, dependencies.current())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
