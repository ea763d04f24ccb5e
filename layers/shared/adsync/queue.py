"""SQS gateway: the only module that talks to SQS (botocore errors translated here).

Sends job messages to the queue of their priority, 10 per SendMessageBatch call, and
checks each entry's result (a batch can half-fail with HTTP 200).
"""

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from adsync.config import Settings
from adsync.errors import QueueError
from adsync.jobs import Dispatch, JobMessage

SEND_BATCH = 10
SEND_THREADS = 8
MAX_DELAY_SECONDS = 900
_DEPTH_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


@dataclass(frozen=True, kw_only=True)
class QueueDepth:
    """SQS's approximate counts for one priority queue."""

    priority: int
    visible: int  # waiting to be received
    in_flight: int  # received, not yet deleted (running, or held for a retry delay)
    delayed: int  # sent with a delay (deferred jobs)


@dataclass(frozen=True, kw_only=True)
class SendOutcome:
    """Which jobs' messages were sent, and which failed and why."""

    sent: tuple[int, ...]  # job ids
    failed: tuple[tuple[int, str], ...]  # (job id, reason)


class QueueGateway:
    """Sends job messages to the priority queues and answers which queue is which."""

    def __init__(self, *, sqs: Any, settings: Settings) -> None:
        self._sqs = sqs
        self._settings = settings

    def send(self, dispatches: Sequence[Dispatch], *, delay_seconds: int = 0) -> SendOutcome:
        """Send each job to its priority's queue; a failed entry is reported, not raised.

        Batches go out on a few threads: 10,000 jobs are 1,000 SendMessageBatch calls,
        and one at a time they would take longer than a schedule tick should.
        """
        delay = max(0, min(MAX_DELAY_SECONDS, delay_seconds))
        by_priority: dict[int, list[Dispatch]] = {}
        for d in dispatches:
            by_priority.setdefault(d.priority, []).append(d)
        batches = [
            (self._settings.queue_url(priority), items[start : start + SEND_BATCH])
            for priority, items in sorted(by_priority.items(), reverse=True)
            for start in range(0, len(items), SEND_BATCH)
        ]
        if len(batches) > 1:
            with ThreadPoolExecutor(min(SEND_THREADS, len(batches))) as pool:
                results = list(pool.map(lambda b: self._send_batch(*b, delay=delay), batches))
        else:
            results = [self._send_batch(url, items, delay=delay) for url, items in batches]
        return SendOutcome(
            sent=tuple(job_id for sent, _ in results for job_id in sent),
            failed=tuple(failure for _, failed in results for failure in failed),
        )

    def _send_batch(
        self, url: str, items: Sequence[Dispatch], *, delay: int
    ) -> tuple[list[int], list[tuple[int, str]]]:
        batch = {str(d.job_id): d for d in items}
        entries = [
            {"Id": key, "MessageBody": d.message.to_body(), "DelaySeconds": delay}
            for key, d in batch.items()
        ]
        try:
            reply = self._sqs.send_message_batch(QueueUrl=url, Entries=entries)
        except (BotoCoreError, ClientError) as exc:
            return [], [(d.job_id, f"send failed: {exc}") for d in batch.values()]
        sent = [batch[e["Id"]].job_id for e in reply.get("Successful", [])]
        failed = [
            (batch[e["Id"]].job_id, f"{e.get('Code')}: {e.get('Message', '')}")
            for e in reply.get("Failed", [])
        ]
        return sent, failed

    def send_one(self, message: JobMessage, *, priority: int, delay_seconds: int) -> None:
        """Send one message (a deferral or a retry beyond the queue's receive budget)."""
        try:
            self._sqs.send_message(
                QueueUrl=self._settings.queue_url(priority),
                MessageBody=message.to_body(),
                DelaySeconds=max(0, min(MAX_DELAY_SECONDS, delay_seconds)),
            )
        except (BotoCoreError, ClientError) as exc:
            raise QueueError(f"cannot send job {message.job_id}: {exc}") from exc

    def change_visibility(self, *, queue_arn: str, receipt_handle: str, seconds: int) -> None:
        """Hold a received message invisible for `seconds` (the retry delay)."""
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.url_for_arn(queue_arn),
                ReceiptHandle=receipt_handle,
                VisibilityTimeout=max(0, min(43_200, seconds)),
            )
        except (BotoCoreError, ClientError) as exc:
            raise QueueError(f"cannot change visibility: {exc}") from exc

    def depths(self) -> list[QueueDepth]:
        """GetQueueAttributes of every configured priority queue, highest priority first."""
        return self._depths(self._settings.queue_urls, "queue")

    def dead_letter_depths(self) -> list[QueueDepth]:
        """The same counts for every configured DLQ (DEAD_LETTER_QUEUE_URL_<n>)."""
        return self._depths(self._settings.dead_letter_queue_urls, "DLQ")

    def _depths(self, urls: Mapping[int, str], kind: str) -> list[QueueDepth]:
        depths = []
        for priority, url in sorted(urls.items(), reverse=True):
            try:
                attributes = self._sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=list(_DEPTH_ATTRIBUTES)
                )["Attributes"]
            except (BotoCoreError, ClientError) as exc:
                raise QueueError(f"cannot read the depth of {kind} {priority}: {exc}") from exc
            visible, in_flight, delayed = (int(attributes.get(a, 0)) for a in _DEPTH_ATTRIBUTES)
            depths.append(
                QueueDepth(priority=priority, visible=visible, in_flight=in_flight, delayed=delayed)
            )
        return depths

    def url_for_arn(self, queue_arn: str) -> str:
        """Map an event record's eventSourceARN to one of our configured queue URLs."""
        name = queue_arn.rsplit(":", 1)[-1]
        for url in self._settings.queue_urls.values():
            if url.rstrip("/").rsplit("/", 1)[-1] == name:
                return url
        raise QueueError(f"queue {name!r} is not one of the configured priority queues")

    def priority_of(self, queue_arn: str) -> int:
        """The priority the queue with ARN `queue_arn` serves."""
        url = self.url_for_arn(queue_arn)
        return next(p for p, u in self._settings.queue_urls.items() if u == url)
