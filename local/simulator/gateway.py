"""The simulated API gateway: one request in, one reply out, no sockets.

Owns the order of checks every call goes through (faults, path, verb, common params,
partner, timestamp, signature, token, throttling), the envelope (doc §4) and the HTTP
status of each error. Handlers run only after all of it passed. The HTTP server and the
tests both call `handle`, so everything here is testable without a network. Must not read
the clock: `now` is passed in.
"""

import json
import logging
import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local.simulator import signing
from local.simulator.backend import Backend, Call
from local.simulator.counters import Counters
from local.simulator.endpoints import ROUTES, Route
from local.simulator.errors import SERVER_CODES, THROTTLE_CODES, ApiError, param_error
from local.simulator.faults import Faults
from local.simulator.throttle import Throttle

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True, kw_only=True)
class Reply:
    status: int
    body: dict[str, Any]
    delay_s: float = 0.0
    drop_connection: bool = False  # close the socket without answering
    location: str | None = None  # a redirect (the authorization link's answer)

    @property
    def error(self) -> str:
        return str(self.body.get("error") or "")


class Gateway:
    def __init__(
        self, *, backend: Backend, counters: Counters, faults: Faults, throttle: Throttle
    ) -> None:
        self._backend = backend
        self._counters = counters
        self._faults = faults
        self._throttle = throttle
        self._random = random.Random()

    def handle(self, request: Request, *, now: datetime) -> Reply:
        self._counters.record_call(request.path)
        route = ROUTES.get(request.path)
        delay_s = self._latency_s()
        fault = self._faults.take(
            path=request.path, shop_id=_maybe_int(request.query.get("shop_id"))
        )
        if fault is not None:
            delay_s += fault.delay_s
            if fault.action is not None:
                fault.action()
            if fault.drop_connection:
                self._counters.record_rejection(request.path, "connection_dropped")
                return Reply(status=0, body={}, delay_s=delay_s, drop_connection=True)
            if fault.hollow:
                body: dict[str, Any] = {
                    "request_id": secrets.token_hex(16),
                    "error": "",
                    "message": "",
                }
                if fault.hollow == "null":
                    body |= {"warning": "", "response": None}
                return Reply(status=200, body=body, delay_s=delay_s)
            if fault.error:
                error = ApiError(fault.error, fault.message)
                reply = self._error_reply(request.path, route, error, status=fault.http_status)
                return Reply(status=reply.status, body=reply.body, delay_s=delay_s)
        try:
            payload = self._dispatch(request, route, now)
        except ApiError as error:
            reply = self._error_reply(request.path, route, error)
        except Exception:
            log.exception("simulator bug while serving %s", request.path)
            internal = ApiError("error_server", "Simulator internal error.")
            reply = self._error_reply(request.path, route, internal)
        else:
            if route is not None and route.redirects:
                return Reply(status=302, body={}, delay_s=delay_s, location=str(payload))
            body = self._success_body(route, payload)
            if fault is not None and fault.corrupt is not None:
                body = fault.corrupt(body)
            reply = Reply(status=200, body=body)
        if fault is not None and fault.lose_reply:
            self._counters.record_rejection(request.path, "reply_lost")
            return Reply(status=0, body={}, delay_s=delay_s, drop_connection=True)
        return Reply(status=reply.status, body=reply.body, delay_s=delay_s)

    def _dispatch(self, request: Request, route: Route | None, now: datetime) -> Any:
        if route is None:
            raise param_error(
                "Permission denied. This API is currently offline or the request path is incorrect."
            )
        if request.method != route.method:
            raise ApiError("ads.api.http_method_not_allowed", "HTTP method not allowed.")
        shop_id = self._authenticate(request, route, now)
        partner_id = int(request.query["partner_id"])  # checked by _authenticate
        self._throttle.admit(path=request.path, shop_id=shop_id, now=now, partner_id=partner_id)
        params = request.query if route.method == "GET" else _json_body(request.body)
        shop = self._backend.world.shop(shop_id) if shop_id is not None else None
        if shop_id is not None and shop is None:
            raise ApiError("error_shop", "shopid is invalid")
        call = Call(backend=self._backend, params=params, now=now, shop=shop)
        return route.handler(call)

    def _authenticate(self, request: Request, route: Route, now: datetime) -> int | None:
        """Check the common parameters; the shop id for shop APIs, None for public ones."""
        settings = self._backend.settings
        query = request.query
        required: tuple[str, ...] = ("partner_id", "timestamp", "sign")
        if not route.is_public:
            required += ("access_token", "shop_id")
        for name in required:
            if not query.get(name):
                raise param_error(f"There is no {name} in query.")
        partner_id = _maybe_int(query["partner_id"])
        if partner_id is None or not 0 <= partner_id <= 0xFFFFFFFF:
            raise param_error("Invalid partner_id.")
        app = settings.app(partner_id)
        if app is None:
            raise ApiError("invalid_partner_id", "partner_id is invalid.")
        timestamp = _maybe_int(query["timestamp"])
        if timestamp is None:
            raise param_error("Invalid timestamp")
        age_s = now.timestamp() - timestamp
        if age_s > settings.timestamp_max_age.total_seconds():
            raise param_error("Timestamp is expired.")
        if -age_s > settings.timestamp_max_future.total_seconds():
            raise param_error("Invalid timestamp")
        if route.is_public:
            base = signing.public_base_string(
                partner_id=partner_id, path=request.path, timestamp=timestamp
            )
            shop_id = None
        else:
            shop_id = _maybe_int(query["shop_id"])
            if shop_id is None or not 0 <= shop_id <= 0xFFFFFFFF:
                raise param_error("Invalid shop_id.")
            base = signing.shop_base_string(
                partner_id=partner_id,
                path=request.path,
                timestamp=timestamp,
                access_token=query["access_token"],
                shop_id=shop_id,
            )
        expected = signing.sign(partner_key=app.partner_key, base_string=base)
        if not signing.is_valid_sign(
            expected=expected, given=query["sign"], case_insensitive=settings.sign_case_insensitive
        ):
            raise ApiError("error_sign", "Wrong sign.")
        if shop_id is not None:
            self._backend.tokens.check_access(query["access_token"], shop_id=shop_id, now=now)
        return shop_id

    def _error_reply(
        self, path: str, route: Route | None, error: ApiError, *, status: int | None = None
    ) -> Reply:
        self._counters.record_rejection(path, error.code)
        settings = self._backend.settings
        if status is None:
            if error.code in THROTTLE_CODES:
                status = settings.throttle_http_status
            elif error.code in SERVER_CODES:
                status = settings.server_error_http_status
            else:
                status = 200
        body: dict[str, Any] = {
            "request_id": secrets.token_hex(16),
            "error": error.code,
            "message": error.message,
        }
        if route is None or not route.is_public:
            body |= {"warning": None, "response": None}
        return Reply(status=status, body=body)

    def _success_body(self, route: Route | None, payload: Any) -> dict[str, Any]:
        head = {"request_id": secrets.token_hex(16), "error": "", "message": ""}
        if route is not None and (route.is_public or route.top_level):
            public: dict[str, Any] = head | payload
            return public
        return head | {"warning": "", "response": payload}

    def _latency_s(self) -> float:
        settings = self._backend.settings
        if settings.latency_max_ms <= 0:
            return 0.0
        low = min(settings.latency_min_ms, settings.latency_max_ms)
        return self._random.uniform(low, settings.latency_max_ms) / 1000.0


def _json_body(body: bytes) -> Mapping[str, Any]:
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        raise param_error("Invalid JSON body.") from None
    if not isinstance(parsed, dict):
        raise param_error("The JSON body must be an object.")
    return parsed


def _maybe_int(text: str | None) -> int | None:
    if text is None or not text.strip().lstrip("-").isdigit():
        return None
    return int(text)
