"""Runs the real handlers the way Lambda would: loaded from `functions/<name>/app.py`
with a context that knows its deadline. (Every function's module is named `app`, so
each is loaded under its own name.)
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
from typing import Any

FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"

Handler = Callable[[dict[str, Any], Any], Any]


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
    would give some of them a second copy of its container state (the worker's record
    pool, and with it ten more database connections)."""
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


def invoke(name: str, event: dict[str, Any], *, timeout_seconds: float = 300.0) -> Any:
    """Invoke a function's handler with a fresh context, as one Lambda invocation."""
    handler: Handler = load_function(name).handler
    started = time.monotonic()
    try:
        return handler(event, LambdaContext(function_name=name, timeout_seconds=timeout_seconds))
    finally:
        BILLING.record(name, time.monotonic() - started)
