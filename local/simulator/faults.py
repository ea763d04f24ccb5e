"""Injectable failures: what a test arms so the next calls misbehave.

Owns the armed rules and their remaining counts. A rule matches on path and/or shop and
produces a `Fault`: an error reply (HTTP 500 for `error_server` by default), a delay, a
dropped connection (the socket is closed without any reply, nothing done), a lost reply
(the call is served, its effects applied, and then the socket is closed: the client
never learns the outcome), a corrupted reply (values rewritten), or an action run first
(a test restarting its database mid-call). Rules are consulted in the order they were
armed, before any other check. Must not know about tokens or metrics.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Fault:
    error: str | None = None  # None: no error reply (delay or drop only)
    message: str = ""
    delay_s: float = 0.0
    drop_connection: bool = False
    lose_reply: bool = False  # serve the call, then close the socket instead of answering
    action: Callable[[], None] | None = None  # run before the call is served
    # Rewrites a successful reply's body before it is sent (malformed values).
    corrupt: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    http_status: int | None = None  # None: the gateway's status for that error code
    # A success envelope without data: "null" sends `"response": null`, "missing" leaves
    # the field out (both seen or feared in the field, doc §4).
    hollow: str | None = None


@dataclass(kw_only=True)
class _Rule:
    fault: Fault
    remaining: int | None  # None = until cleared
    path: str | None
    shop_id: int | None
    after: int = 0  # matching calls that pass untouched before the fault applies

    def matches(self, path: str, shop_id: int | None) -> bool:
        return (self.path is None or self.path == path) and (
            self.shop_id is None or self.shop_id == shop_id
        )


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []

    def fail_next(
        self,
        times: int = 1,
        *,
        error: str = "error_server",
        message: str = "Internal server error, please try again later.",
        path: str | None = None,
        http_status: int | None = None,
        after: int = 0,
    ) -> None:
        """The next `times` calls (to `path`, if given) get `error`, once `after` matching
        calls have passed (a throttle at page 3 of a list)."""
        fault = Fault(error=error, message=message, http_status=http_status)
        self._arm(fault, times=times, path=path, shop_id=None, after=after)

    def fail_shop(
        self,
        shop_id: int,
        *,
        error: str = "error_server",
        message: str = "Internal server error, please try again later.",
        times: int | None = None,
        path: str | None = None,
    ) -> None:
        """Calls for one shop fail; `times=None` keeps failing until `clear()`."""
        self._arm(Fault(error=error, message=message), times=times, path=path, shop_id=shop_id)

    def slow_next(self, times: int = 1, *, delay_s: float, path: str | None = None) -> None:
        """The next calls are answered normally, after `delay_s` (client timeouts)."""
        self._arm(Fault(delay_s=delay_s), times=times, path=path, shop_id=None)

    def hollow_next(
        self, times: int = 1, *, path: str | None = None, missing: bool = False
    ) -> None:
        """The next calls succeed (no error) with a null or missing `response`."""
        fault = Fault(hollow="missing" if missing else "null")
        self._arm(fault, times=times, path=path, shop_id=None)

    def drop_next(self, times: int = 1, *, path: str | None = None) -> None:
        """The next calls get their connection closed without a reply."""
        self._arm(Fault(drop_connection=True), times=times, path=path, shop_id=None)

    def lose_reply_next(self, times: int = 1, *, path: str | None = None) -> None:
        """The next calls are served (a refresh rotates the tokens) but never answered."""
        self._arm(Fault(lose_reply=True), times=times, path=path, shop_id=None)

    def run_before_next(
        self, action: Callable[[], None], *, times: int = 1, path: str | None = None
    ) -> None:
        """Run `action` before serving the next calls (e.g. stop the client's database)."""
        self._arm(Fault(action=action), times=times, path=path, shop_id=None)

    def corrupt_next(
        self,
        transform: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        times: int = 1,
        path: str | None = None,
    ) -> None:
        """The next successful replies are rewritten by `transform` (bad values)."""
        self._arm(Fault(corrupt=transform), times=times, path=path, shop_id=None)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def armed(self) -> int:
        with self._lock:
            return len(self._rules)

    def take(self, *, path: str, shop_id: int | None) -> Fault | None:
        """The fault for this call, if any; consumes one use of the matching rule."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(path, shop_id):
                    if rule.after > 0:
                        rule.after -= 1
                        return None
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._rules.remove(rule)
                    return rule.fault
        return None

    def _arm(
        self,
        fault: Fault,
        *,
        times: int | None,
        path: str | None,
        shop_id: int | None,
        after: int = 0,
    ) -> None:
        if times is not None and times <= 0:
            raise ValueError("times must be positive (or None for 'until cleared')")
        with self._lock:
            self._rules.append(
                _Rule(fault=fault, remaining=times, path=path, shop_id=shop_id, after=after)
            )
