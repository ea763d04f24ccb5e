"""pgqueue: SQS standard-queue semantics on Postgres, for local runs at scale.

moto's SQS rescans every message on each call (2,000 queued messages -> 23 msg/s);
pgqueue keeps messages in `pgqueue.messages` and claims them with
`FOR UPDATE SKIP LOCKED`, so 10,000+ queued messages cost no more than ten. Local only:
the layer and the handlers never import it; they receive it where a boto3 SQS client
is expected.

    sqs = make_sqs(database_url)          # installs the schema if missing
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
"""

from local.pgqueue.client import PgSqs, make_sqs
from local.pgqueue.errors import exceptions
from local.pgqueue.store import Store

__all__ = ["PgSqs", "Store", "exceptions", "make_sqs"]
