"""The migrations custom resource (`Custom::Migrations`): the protocol behind
functions/migrate.

Reads the CloudFormation request, runs the deploy-time checks and
`adsync.db.migrate.apply_migrations`, and always answers CloudFormation on the
pre-signed ResponseURL (SUCCESS, or FAILED with a reason a human can act on). It holds
no migration logic, and it never touches the database on Delete (deleting the stack
keeps the data).

An unanswered request leaves the stack waiting until the resource's ServiceTimeout, so
every path answers: this module imports only the standard library and our error tree at
load, the database modules when they run (an import error becomes a FAILED answer), and
a watchdog answers FAILED just before the Lambda timeout.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from adsync.errors import ConfigError, DatabaseError, MigrationError

if TYPE_CHECKING:
    from adsync.config import DatabaseSettings
    from adsync.db.connection import Database

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

SUCCESS = "SUCCESS"
FAILED = "FAILED"
# CloudFormation rejects response bodies over 4 KiB; keep ours well under.
MAX_REASON_CHARS = 1000
MAX_APPLIED_CHARS = 2000
WATCHDOG_MARGIN_SECONDS = 10.0

# The migrate function's own timeout is 300 s: a migration may keep the connection silent
# nearly that long (the server-side limit is lifted per migration with SET LOCAL).
MIGRATION_WAIT_SECONDS = 270.0

Migrate = Callable[[Mapping[str, Any]], list[str]]
Send = Callable[[str, bytes], None]


def handle(
    event: Mapping[str, Any],
    context: Any,
    *,
    migrate: Migrate,
    send: Send | None = None,
) -> dict[str, Any]:
    """Answer one custom-resource request on its ResponseURL, whatever happens (`send`
    replaces the PUT in tests); return the body sent to CloudFormation."""
    if not isinstance(event, Mapping) or not event.get("ResponseURL"):
        raise ValueError(
            "not a CloudFormation custom resource request (no ResponseURL): "
            "see events/migrate_create.json"
        )
    responder = _Responder(event, context, send or put_response)
    watchdog = _start_watchdog(context, responder)
    try:
        try:
            status, reason, data = _outcome(event, migrate)
        except Exception as exc:
            logger.exception("migrations custom resource failed")
            status, reason, data = FAILED, describe_failure(exc), {}
        # Outside the try: if CloudFormation cannot be told, raise, so that Lambda's
        # async retry runs the (idempotent) request again and answers then.
        responder.answer(status, reason=reason, data=data)
    finally:
        if watchdog is not None:
            watchdog.cancel()
    return responder.body or {}


def _outcome(event: Mapping[str, Any], migrate: Migrate) -> tuple[str, str, dict[str, Any]]:
    request_type = event.get("RequestType")
    logger.info("migrations custom resource: %s", request_type)
    if request_type == "Delete":
        return SUCCESS, "", {}
    if request_type not in ("Create", "Update"):
        return FAILED, f"unknown RequestType {request_type!r}", {}
    from adsync.db.preflight import worker_shape

    properties = event.get("ResourceProperties", {})
    worker_shape(properties)  # the concurrency check: refused before anything runs
    applied = migrate(properties)
    logger.info("migrations applied: %s", applied)
    return SUCCESS, "", _applied_data(applied)


def run_migrations(properties: Mapping[str, Any]) -> list[str]:
    """Connect with the function's environment (DB_SECRET_ARN, DB_HOST, ...), check that
    the server can take the stack, and migrate."""
    # Imported here: an import error in the layer (a driver missing from the build, say)
    # must still produce a FAILED answer.
    from adsync.db.connection import Database
    from adsync.db.migrate import apply_migrations
    from adsync.db.preflight import check_server, server_facts, worker_shape

    db = Database(migration_settings(), refresh_settings=lambda: migration_settings(fresh=True))
    try:
        check_server(server_facts(db), worker_shape(properties))
        applied = apply_migrations(db)
        adopt_default_partner(db)
        return applied
    finally:
        db.close()


def adopt_default_partner(db: Database) -> None:
    """The partner of before (SHOPEE_PARTNER_SECRET_ARN) becomes a partners row, and the
    shops without a partner its shops (issue 17). Only its partner_id is read."""
    from adsync.clock import utc_now
    from adsync.db.partner_store import PartnerStore
    from adsync.services.partners import default_partner_on_deploy

    assigned = default_partner_on_deploy(PartnerStore(db), env=os.environ, now=utc_now())
    logger.info("default partner: %s shops given to it", assigned)


def migration_settings(*, fresh: bool = False) -> DatabaseSettings:
    """The functions' database settings, waiting up to MIGRATION_WAIT_SECONDS for a reply
    (`fresh`: the secret read past its cache, after a rotation)."""
    from adsync.config import load_database_settings

    settings = load_database_settings(fresh=fresh)
    wait = max(settings.statement_timeout_seconds, MIGRATION_WAIT_SECONDS)
    return replace(settings, statement_timeout_seconds=wait)


def describe_failure(exc: BaseException) -> str:
    """A one-line reason for the CloudFormation console."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, ImportError):
        return f"migration code unavailable (layer): {message}"
    if isinstance(exc, ConfigError):
        return f"configuration error: {message}"
    if isinstance(exc, MigrationError):
        # Already names the migration, the SQLSTATE and Postgres's message; one line.
        return " ".join(message.split())
    if isinstance(exc, DatabaseError) and "unreachable" in message:
        return (
            message
            if message.startswith("database unreachable")
            else f"database unreachable: {message}"
        )
    if isinstance(exc, OSError | TimeoutError):
        return f"database unreachable: {message}"
    return f"migration failed ({type(exc).__name__}): {message}"


def put_response(url: str, body: bytes) -> None:
    """PUT the answer to the pre-signed S3 URL CloudFormation gave us."""
    request = urllib.request.Request(
        url,
        data=body,
        method="PUT",
        # The pre-signed URL is signed for an empty content type.
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        logger.info("CloudFormation response status: %s", response.status)


def _applied_data(applied: list[str]) -> dict[str, Any]:
    listed = ",".join(applied) or "none"
    if len(listed) > MAX_APPLIED_CHARS:
        listed = listed[: MAX_APPLIED_CHARS - 3] + "..."
    return {"Applied": listed, "Count": len(applied)}


class _Responder:
    """Sends exactly one answer, whichever of the handler and the watchdog comes first."""

    def __init__(self, event: Mapping[str, Any], context: Any, send: Send) -> None:
        self._event = event
        self._context = context
        self._send = send
        self._lock = threading.Lock()
        self.body: dict[str, Any] | None = None

    def answer(self, status: str, *, reason: str = "", data: dict[str, Any] | None = None) -> None:
        with self._lock:
            if self.body is not None:
                return
            self.body = self._build(status, reason, data or {})
            self._send(self._event["ResponseURL"], json.dumps(self.body).encode("utf-8"))

    def _build(self, status: str, reason: str, data: dict[str, Any]) -> dict[str, Any]:
        event = self._event
        log_stream = getattr(self._context, "log_stream_name", "")
        if status == FAILED and log_stream:
            reason = f"{reason} (log stream {log_stream})"
        if len(reason) > MAX_REASON_CHARS:
            reason = reason[: MAX_REASON_CHARS - 3] + "..."
        return {
            "Status": status,
            "Reason": reason or status,
            "PhysicalResourceId": event.get("PhysicalResourceId")
            or f"{event.get('StackId', 'stack')}/{event.get('LogicalResourceId', 'Migrations')}",
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
            "NoEcho": False,
            "Data": data,
        }


def _start_watchdog(context: Any, responder: _Responder) -> threading.Timer | None:
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if remaining_ms is None:
        return None
    delay = max(remaining_ms() / 1000 - WATCHDOG_MARGIN_SECONDS, 1.0)
    timer = threading.Timer(
        delay,
        lambda: responder.answer(
            FAILED, reason="migrations did not finish before the Lambda timeout"
        ),
    )
    timer.daemon = True
    timer.start()
    return timer
