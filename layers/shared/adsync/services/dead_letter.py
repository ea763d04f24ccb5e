"""Dead letter: a message that ran out of receives marks its job failed for good.

Idempotent: a job already failed (the worker's last attempt) keeps its error; a
completed job is left alone. A malformed body is logged whole (it holds ids only)
so that nothing is lost when the message is deleted.
"""

from enum import StrEnum

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from adsync.errors import BadEventError
from adsync.jobs import JobMessage
from adsync.observability import count, logger
from adsync.services.dependencies import Dependencies

DLQ_ERROR = "message moved to the dead-letter queue after its receives ran out"


class DeadLetterOutcome(StrEnum):
    """What the dead_letter function did with one message."""

    MARKED_FAILED = "marked_failed"
    ALREADY_FINAL = "already_final"
    MALFORMED = "malformed"


def handle_dead_letter(record: SQSRecord, deps: Dependencies) -> DeadLetterOutcome:
    """Mark the job of a message that ran out of receives failed (idempotent: a final job keeps its
    state); a body that is not a job message is logged and dropped."""
    try:
        message = JobMessage.from_body(record.body)
    except BadEventError as exc:
        logger.error(
            "malformed message in a DLQ",
            message_id=record.message_id,
            body=record.body[:4000],
            error=str(exc),
        )
        count("MessagesMalformed")
        return DeadLetterOutcome.MALFORMED
    count("JobsDeadLettered")
    marked = deps.jobs.mark_dead_lettered(
        job_id=message.job_id, dispatch_id=message.dispatch_id, error=DLQ_ERROR, now=deps.clock()
    )
    if marked:
        count("JobsFailed")
        logger.error("job dead-lettered and marked failed", job_id=message.job_id)
        return DeadLetterOutcome.MARKED_FAILED
    logger.info("dead-lettered job was already final", job_id=message.job_id)
    return DeadLetterOutcome.ALREADY_FINAL
