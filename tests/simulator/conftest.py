"""Fixtures for the simulator tests: a frozen clock, a small world, a signed-call helper.

The signing here is written again on purpose (a few lines of hmac) instead of importing
the simulator's or the client's: the tests must catch a bug in either.
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from local.simulator import Reply, Request, Simulator, SimulatorSettings, World, WorldSettings
from tests.support.clock import FrozenClock

PARTNER_ID = 2001887
PARTNER_KEY = "0123456789abcdef" * 4
START = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 12:00 in VN, 13:00 in SG, 02:00 in BR
ANCHOR = date(2026, 3, 1)


def hmac_hex(key: str, base: str) -> str:
    return hmac.new(key.encode(), base.encode(), hashlib.sha256).hexdigest()


@dataclass
class Api:
    """Signs and sends requests straight into `Simulator.handle` (no sockets)."""

    sim: Simulator
    clock: FrozenClock
    partner_key: str = PARTNER_KEY

    def shop_call(
        self,
        path: str,
        *,
        shop_id: int,
        access_token: str,
        params: Mapping[str, Any] | None = None,
        method: str = "GET",
        body: Mapping[str, Any] | None = None,
        timestamp: int | None = None,
    ) -> Reply:
        ts = int(self.clock.now.timestamp()) if timestamp is None else timestamp
        sign = hmac_hex(self.partner_key, f"{PARTNER_ID}{path}{ts}{access_token}{shop_id}")
        query = {
            "partner_id": str(PARTNER_ID),
            "timestamp": str(ts),
            "sign": sign,
            "access_token": access_token,
            "shop_id": str(shop_id),
            **{k: str(v) for k, v in (params or {}).items()},
        }
        raw = json.dumps(body).encode() if body is not None else b""
        return self.sim.handle(Request(method=method, path=path, query=query, body=raw))

    def public_call(self, path: str, body: Mapping[str, Any], *, method: str = "POST") -> Reply:
        ts = int(self.clock.now.timestamp())
        query = {
            "partner_id": str(PARTNER_ID),
            "timestamp": str(ts),
            "sign": hmac_hex(self.partner_key, f"{PARTNER_ID}{path}{ts}"),
        }
        raw = json.dumps(body).encode()
        return self.sim.handle(Request(method=method, path=path, query=query, body=raw))


def make_world(**overrides: Any) -> World:
    defaults: dict[str, Any] = {
        "seed": 7,
        "shop_count": 6,
        "anchor_date": ANCHOR,
        "min_900_plus": 0,
        "explicit_campaign_counts": (60, 12),
    }
    return World.generate(WorldSettings(**(defaults | overrides)))


def make_sim(world: World, clock: FrozenClock, **settings: Any) -> Simulator:
    base: dict[str, Any] = {"partner_id": PARTNER_ID, "partner_key": PARTNER_KEY}
    return Simulator(world, SimulatorSettings(**(base | settings)), clock=clock)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture(scope="session")
def world() -> World:
    return make_world()


@pytest.fixture
def sim(world: World, clock: FrozenClock) -> Simulator:
    return make_sim(world, clock)


@pytest.fixture
def api(sim: Simulator, clock: FrozenClock) -> Api:
    return Api(sim=sim, clock=clock)
