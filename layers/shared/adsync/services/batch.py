"""One SQS batch, its records run side by side, and the partial-failure reply.

Records of a batch run on a pool of threads (bounded) so that one huge shop does not
hold nine small ones; the threads share the container's dependencies (a pool of two
database connections, see adsync.db.pool). A record whose handler raises is listed in
`batchItemFailures`; the others are deleted by the event source mapping.
"""

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from adsync.errors import BadEventError


def parse_records(event: Mapping[str, Any]) -> list[SQSRecord]:
    """The SQS records of a Lambda event; BadEventError if it is not an SQS event."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise BadEventError("an SQS event must have a Records list")
    if not all("messageId" in r and "body" in r for r in records):
        raise BadEventError("every SQS record needs a messageId and a body")
    return [SQSRecord(r) for r in records]


def process_batch(
    event: Mapping[str, Any],
    handle: Callable[[SQSRecord], object],
    *,
    pool: ThreadPoolExecutor,
) -> dict[str, list[dict[str, str]]]:
    """Run `handle` on every record concurrently; list the ones that raised."""
    return run_records(parse_records(event), lambda _, record: handle(record), pool=pool)


def run_records(
    records: Sequence[SQSRecord],
    handle: Callable[[int, SQSRecord], object],
    *,
    pool: ThreadPoolExecutor,
) -> dict[str, list[dict[str, str]]]:
    """Run `handle(n, record)` on the n-th record, all concurrently; list those that raised."""
    futures = [(record, pool.submit(handle, n, record)) for n, record in enumerate(records)]
    failed = [record.message_id for record, future in futures if future.exception() is not None]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
