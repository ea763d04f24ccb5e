"""The errors pgqueue raises: the same botocore exceptions a boto3 SQS client raises.

    botocore.exceptions.ClientError           an SQS error reply (HTTP 400)
    ├── QueueDoesNotExist, TooManyEntriesInBatchRequest, ReceiptHandleIsInvalid, ...
    │       the modeled classes of `boto3.client("sqs").exceptions`, built from
    │       botocore's own SQS model, so `except sqs.exceptions.X` works unchanged
    └── (plain ClientError)                   unmodeled codes: InvalidParameterValue
    botocore.exceptions.EndpointConnectionError   Postgres unreachable (the "endpoint")

Callers written against boto3 (`adsync.queue`) need no change. Must not touch the
database.
"""

import uuid
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore.errorfactory import ClientExceptionsFactory
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from botocore.exceptions import _ClientErrorResponseTypeDef
    from mypy_boto3_sqs.client import Exceptions

# The wire code (ClientError.response["Error"]["Code"]) of each modeled error, as
# botocore reports it for SQS's query-compatible JSON protocol (checked against moto).
_WIRE_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
}


@cache
def exceptions() -> "Exceptions":
    """The same exception classes as `boto3.client("sqs").exceptions`."""
    model = botocore.session.get_session().get_service_model("sqs")
    return cast("Exceptions", ClientExceptionsFactory().create_client_exceptions(model))


def response_metadata() -> dict[str, Any]:
    return {
        "RequestId": str(uuid.uuid4()),
        "HTTPStatusCode": 200,
        "HTTPHeaders": {},
        "RetryAttempts": 0,
    }


def client_error(operation: str, code: str, message: str) -> ClientError:
    """The exception boto3 would raise for error `code` (a query error code)."""
    response: dict[str, Any] = {
        "Error": {
            "Message": message,
            "Code": _WIRE_CODES.get(code, code),
            "QueryErrorCode": code,
            "Type": "Sender",
        },
        "ResponseMetadata": {**response_metadata(), "HTTPStatusCode": 400},
    }
    # botocore-stubs type from_code as returning an instance; it returns the class.
    error_class: type[ClientError] = exceptions().from_code(code)  # type: ignore[assignment]
    error: ClientError = error_class(cast("_ClientErrorResponseTypeDef", response), operation)
    return error


def no_such_queue(operation: str) -> ClientError:
    return client_error(operation, "QueueDoesNotExist", "The specified queue does not exist.")


def invalid_parameter(operation: str, message: str) -> ClientError:
    return client_error(operation, "InvalidParameterValue", message)


def invalid_receipt_handle(operation: str) -> ClientError:
    return client_error(operation, "ReceiptHandleIsInvalid", "The input receipt handle is invalid.")
