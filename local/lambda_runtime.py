"""Runs the real handlers the way Lambda would: loaded from `functions/<name>/app.py`
with a context that knows its deadline. (Every function's module is named `app`, so
each is loaded under its own name.)

A `LambdaRuntime` is a set of containers built by one factory: each thread that invokes
a function is one container of it, its handler made by the module's
`make_handler(deps)` on dependencies of its own. Closing the runtime closes them.
"""

import importlib.util
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Self

from adsync.services.dependencies import Dependencies, Handler

FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that our code and Powertools read."""

    function_name: str
    timeout_seconds: float = 300.0
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:ap-southeast-1:123456789012:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started_at
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


_loading = threading.Lock()


def load_function(name: str) -> ModuleType:
    """The function's module, loaded once per process, as one Lambda container holds it.

    Under a lock: containers (threads) start together, and a module executed twice
    would run its import-time work twice (Powertools' set-up, its own container's
    `handler`, which the runtime does not use but Lambda would)."""
    with _loading:
        return _load(name)


@cache
def _load(name: str) -> ModuleType:
    path = FUNCTIONS / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"functions_{name}_app", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Billing:
    """Billed duration per function, as Lambda bills it: each invocation's wall time
    from handler start to return, rounded up to the millisecond. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ms: dict[str, int] = {}
        self._invocations: dict[str, int] = {}

    def record(self, name: str, seconds: float) -> None:
        with self._lock:
            self._ms[name] = self._ms.get(name, 0) + math.ceil(seconds * 1000)
            self._invocations[name] = self._invocations.get(name, 0) + 1

    def billed_seconds(self, name: str) -> float:
        with self._lock:
            return self._ms.get(name, 0) / 1000

    def invocations(self, name: str) -> int:
        with self._lock:
            return self._invocations.get(name, 0)


# The process is the machine: one meter for every container it runs (benchmarks read it).
BILLING = Billing()


class LambdaRuntime:
    """Containers of the functions, built on demand: each (thread, function) pair is one,
    its handler `make_handler(build())` of the function's module, kept for the thread's
    later invocations of that function (warm). `close()` closes every set of
    dependencies it built (their connection pools) and lets go of the handlers (the
    worker's record pool); a closed runtime invokes nothing. A function without
    `make_handler` (migrate) runs its module's `handler`."""

    def __init__(self, build: Callable[[], Dependencies]) -> None:
        self._build = build
        self._lock = threading.Lock()
        # Keyed by the thread itself, not its ident: a new thread may reuse a dead one's.
        self._handlers: dict[tuple[threading.Thread, str], Handler] = {}
        self._built: list[Dependencies] = []
        self._closed = False

    def invoke(self, name: str, event: dict[str, Any], *, timeout_seconds: float = 300.0) -> Any:
        """Invoke a function's handler with a fresh context, as one Lambda invocation."""
        handler = self._handler(name)
        started = time.monotonic()
        try:
            return handler(
                event, LambdaContext(function_name=name, timeout_seconds=timeout_seconds)
            )
        finally:
            BILLING.record(name, time.monotonic() - started)

    def _handler(self, name: str) -> Handler:
        key = (threading.current_thread(), name)
        with self._lock:
            if self._closed:
                raise RuntimeError("this Lambda runtime is closed")
            handler = self._handlers.get(key)
        if handler is None:
            handler = self._container(load_function(name))
            with self._lock:
                self._handlers[key] = handler
        return handler

    def _container(self, module: ModuleType) -> Handler:
        make_handler: Callable[[Dependencies], Handler] | None = getattr(
            module, "make_handler", None
        )
        if make_handler is None:
            handler: Handler = module.handler
            return handler
        deps = self._build()
        with self._lock:
            if self._closed:  # closed while this container was being built
                raise RuntimeError("this Lambda runtime is closed")
            self._built.append(deps)
        return make_handler(deps)

    def close(self) -> None:
        """Close the dependencies of every container built (idempotent)."""
        with self._lock:
            self._closed = True
            built, self._built = self._built, []
            self._handlers.clear()
        for deps in built:
            deps.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
