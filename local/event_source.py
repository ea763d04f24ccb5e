"""Emulates Lambda's SQS event source mapping on top of an SQS endpoint (moto).

Faithful to what the worker relies on: batches of up to 10 real SQS records
(messageId, receiptHandle, body, attributes incl. ApproximateReceiveCount); a reply's
`batchItemFailures` leaves those records to their visibility timeout and deletes the
rest; an exception or an unknown itemIdentifier fails the whole batch; redrive to the
DLQ is the queue's own (moto's), after maxReceiveCount receives. moto's own event
source mappings are not used: they invoke one record at a time and ignore failures.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

REGION = "ap-southeast-1"


class Invoke(Protocol):
    """How a mapping invokes its function: `LambdaRuntime.invoke`, `LocalStack.invoke`."""

    def __call__(
        self, name: str, event: dict[str, Any], *, timeout_seconds: float = 300.0
    ) -> Any: ...


@dataclass(frozen=True, kw_only=True)
class BatchResult:
    received: int
    failed: int
    handler_error: str | None = None


def sqs_record(message: dict[str, Any], *, queue_arn: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attributes.get("SentTimestamp", "0"),
            "SenderId": attributes.get("SenderId", "AIDLOCAL"),
            "ApproximateFirstReceiveTimestamp": attributes.get(
                "ApproximateFirstReceiveTimestamp", "0"
            ),
        },
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


class EventSourceMapping:
    """One queue -> one function, as a Lambda event source mapping would poll it; the
    function runs in the containers `invoke` runs it in."""

    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        function: str,
        invoke: Invoke,
        batch_size: int = 10,
        timeout_seconds: float = 300.0,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.function = function
        self.invoke = invoke
        self.batch_size = batch_size
        self.timeout_seconds = timeout_seconds
        self._lock = threading.Lock()  # moto is happier with one receive at a time per queue

    def poll_once(self) -> BatchResult | None:
        """Receive one batch and deliver it; None when the queue had nothing visible."""
        with self._lock:
            reply = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=self.batch_size,
                MessageSystemAttributeNames=["All"],
                WaitTimeSeconds=0,
            )
        messages = reply.get("Messages", [])
        if not messages:
            return None
        event = {"Records": [sqs_record(m, queue_arn=self.queue_arn) for m in messages]}
        try:
            response = self.invoke(self.function, event, timeout_seconds=self.timeout_seconds)
        except Exception as exc:  # Lambda: the whole batch returns after its visibility timeout
            return BatchResult(
                received=len(messages), failed=len(messages), handler_error=repr(exc)
            )
        failed_ids = {
            item.get("itemIdentifier") for item in ((response or {}).get("batchItemFailures") or [])
        }
        known = {m["MessageId"] for m in messages}
        if not failed_ids <= known:  # Lambda treats an unknown identifier as a total failure
            return BatchResult(
                received=len(messages), failed=len(messages), handler_error="unknown itemIdentifier"
            )
        done = [m for m in messages if m["MessageId"] not in failed_ids]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + 10])
            ]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        return BatchResult(received=len(messages), failed=len(failed_ids))


IDLE_PAUSE_SECONDS = 0.05  # after a round of empty receives; doubled while they stay empty
IDLE_PAUSE_MAX_SECONDS = 0.8  # a delayed message waits at most this long past its delay


class Poller:
    """Polls several mappings with `concurrency` threads, weighted like MaximumConcurrency."""

    def __init__(
        self, mappings: list[tuple[EventSourceMapping, int]], *, concurrency: int = 4
    ) -> None:
        # A weight-w mapping appears w times per round: the weighted share the card describes.
        self._schedule = [m for m, weight in mappings for _ in range(max(1, weight))]
        self._concurrency = concurrency
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._next = 0
        self.batches = 0
        self.records = 0
        self.failures = 0
        self.handler_errors: list[str] = []

    def _pick(self) -> EventSourceMapping:
        with self._lock:
            mapping = self._schedule[self._next % len(self._schedule)]
            self._next += 1
            return mapping

    def _loop(self) -> None:
        idle = 0
        pause = IDLE_PAUSE_SECONDS
        while not self._stop.is_set():
            try:
                result = self._pick().poll_once()
            except Exception as exc:  # SQS itself failed (e.g. its database): keep polling
                with self._lock:
                    self.handler_errors.append(f"poll failed: {exc!r}")
                self._stop.wait(0.5)
                continue
            if result is None:
                idle += 1
                if idle >= len(self._schedule):
                    # Every queue was empty: wait longer each round (a run whose jobs wait
                    # for a delayed message would otherwise spin a core on receives).
                    self._stop.wait(pause)
                    pause = min(pause * 2, IDLE_PAUSE_MAX_SECONDS)
                    idle = 0
                continue
            idle = 0
            pause = IDLE_PAUSE_SECONDS
            with self._lock:
                self.batches += 1
                self.records += result.received
                self.failures += result.failed
                if result.handler_error:
                    self.handler_errors.append(result.handler_error)

    def run_until(
        self, done: Callable[[], bool], *, timeout_seconds: float, check_every: float = 0.2
    ) -> bool:
        """Poll until `done()` is true (checked between sleeps) or the timeout passes."""
        threads = [
            threading.Thread(target=self._loop, name=f"esm-{i}", daemon=True)
            for i in range(self._concurrency)
        ]
        finished = False
        waited = 0.0
        try:  # a Ctrl-C (KeyboardInterrupt) at any point still stops every poller started
            for thread in threads:
                thread.start()
            while waited < timeout_seconds:
                if done():
                    finished = True
                    break
                self._stop.wait(check_every)
                waited += check_every
        finally:
            self._stop.set()
            for thread in threads:
                if thread.ident is not None:  # started
                    thread.join()
        return finished
