"""The simulator in a process of its own, driven over a pipe (benchmarks at scale).

Run in the workers' process, the simulator's report generation took 60 % of the GIL
during a 1,000-shop cycle, so the cycle measured the GIL instead of the pipeline. In
its own process it uses the other core, as Shopee is another machine. The world comes
from the same `WorldSettings` on both sides (generation is deterministic); tokens and
counters cross the pipe, never the simulated API.

    sim = SimulatorProcess(world, settings)  # quacks like Simulator for what the
    sim.issue_tokens(shop_id)                 # local stack uses of it
    sim.counters.calls; sim.stop()

Its clock is the wall clock plus an offset the parent moves (`advance`); `clock` is that
clock as a value (`OffsetClock`), which other processes (the benchmark's worker
containers) run to agree with it.
"""

import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

from local.simulator.settings import SimulatorSettings
from local.simulator.simulator import Simulator
from local.simulator.tokens import TokenPair
from local.simulator.world import World, WorldSettings

START_TIMEOUT_SECONDS = 60.0


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class OffsetClock:
    """The wall clock, `offset` ahead: the simulated time. A value, so it crosses a
    process boundary (pickled) and every process that runs it tells the same time."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return _wall_clock() + self.offset

    def ahead(self, seconds: float) -> "OffsetClock":
        return OffsetClock(offset=self.offset + timedelta(seconds=seconds))


def _serve(conn: Connection, world_settings: WorldSettings, settings: SimulatorSettings) -> None:
    """The child: serve HTTP on a thread, answer control requests until told to stop."""
    clock = [OffsetClock()]  # moved by `advance`; the simulator reads the current one

    def advance(seconds: float) -> None:
        clock[0] = clock[0].ahead(seconds)

    simulator = Simulator(World.generate(world_settings), settings, clock=lambda: clock[0]())
    server = simulator.serve()
    conn.send(server.base_url)
    commands: dict[str, Callable[..., Any]] = {
        "issue_tokens": simulator.issue_tokens,
        "calls": lambda: simulator.counters.calls,
        "rejections": lambda: simulator.counters.rejections,
        "reset": simulator.counters.reset,
        "advance": advance,
        "set_partner_rate": simulator.throttle.set_partner_rate,
        "cpu_seconds": time.process_time,
    }
    try:
        while True:
            try:
                name, args = conn.recv()
            except EOFError:  # the parent is gone
                return
            if name == "stop":
                return
            try:
                conn.send(("ok", commands[name](*args)))
            except Exception as exc:  # report it to the caller, keep serving
                conn.send(("error", repr(exc)))
    finally:
        server.stop()
        conn.close()


class RemoteCounters:
    """`Counters`' read side and reset, answered by the simulator process."""

    def __init__(self, call: Callable[..., Any]) -> None:
        self._call = call

    @property
    def calls(self) -> dict[str, int]:
        calls: dict[str, int] = self._call("calls")
        return calls

    @property
    def rejections(self) -> dict[tuple[str, str], int]:
        rejections: dict[tuple[str, str], int] = self._call("rejections")
        return rejections

    def rejected(self, path: str | None = None, code: str | None = None) -> int:
        return sum(
            count
            for (p, c), count in self.rejections.items()
            if (path is None or p == path) and (code is None or c == code)
        )

    def reset(self) -> None:
        self._call("reset")


class SimulatorProcess:
    """A simulator in a spawned process: `world`, `settings`, `now()`, `issue_tokens()`,
    `counters` and `base_url` as the local stack needs them."""

    def __init__(self, world: World, settings: SimulatorSettings | None = None) -> None:
        self.world = world
        self.settings = settings or SimulatorSettings()
        self.counters = RemoteCounters(self._call)
        self.clock = OffsetClock()  # the child's, as `advance` moves both
        self._lock = threading.Lock()
        context = multiprocessing.get_context("spawn")  # never fork a threaded process
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(child, world.settings, self.settings),
            name="shopee-simulator",
            daemon=True,
        )
        self._process.start()
        child.close()
        if not self._conn.poll(START_TIMEOUT_SECONDS):
            self.stop()
            raise RuntimeError("the simulator process did not start")
        self.base_url: str = self._conn.recv()

    def now(self) -> datetime:
        return self.clock()

    def advance(self, seconds: float) -> None:
        """Move the simulated clock (both sides of the pipe) `seconds` ahead: a benchmark
        sees the world as it will be then, without waiting for it."""
        self._call("advance", seconds)
        self.clock = self.clock.ahead(seconds)

    def set_partner_rate(self, rate: float | None) -> None:
        """Shopee's per-partner rate from now on (a warm-up cycle at another R)."""
        self._call("set_partner_rate", rate)

    def cpu_seconds(self) -> float:
        """CPU time the simulator's process has used so far (Shopee's side of a cycle)."""
        seconds: float = self._call("cpu_seconds")
        return seconds

    def issue_tokens(self, shop_id: int) -> TokenPair:
        pair: TokenPair = self._call("issue_tokens", shop_id)
        return pair

    def _call(self, name: str, *args: Any) -> Any:
        with self._lock:
            self._conn.send((name, args))
            status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(f"simulator process: {name} failed: {value}")
        return value

    def stop(self) -> None:
        if self._process.is_alive():
            try:
                with self._lock:
                    self._conn.send(("stop", ()))
            except (BrokenPipeError, OSError):
                pass
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._conn.close()
