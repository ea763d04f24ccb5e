"""A local Shopee Open Platform v2 Ads API simulator, for tests and development only.

It speaks the documented wire protocol (signing, tokens, envelope, errors, throttling,
the ads endpoints) over HTTP on 127.0.0.1, with a deterministic world of shops and
campaigns. It has its own signing code and must never import the client (`adsync`): a
bug shared by both sides would hide from every test.

    world = World.generate(WorldSettings(seed=42, shop_count=20))
    sim = Simulator(world, SimulatorSettings(), clock=lambda: datetime.now(UTC))
    with sim.serve() as server:
        ...  # server.base_url
"""

from local.simulator.campaign import Campaign
from local.simulator.counters import Counters
from local.simulator.faults import Fault, Faults
from local.simulator.gateway import Reply, Request
from local.simulator.server import SimServer
from local.simulator.settings import (
    FAKE_PARTNER_KEY,
    FAKE_PARTNER_KEY_2,
    PartnerApp,
    SimulatorSettings,
)
from local.simulator.simulator import Simulator
from local.simulator.tokens import TokenPair
from local.simulator.truth import Truth
from local.simulator.world import ShopSpec, World, WorldSettings

__all__ = [
    "FAKE_PARTNER_KEY",
    "FAKE_PARTNER_KEY_2",
    "Campaign",
    "Counters",
    "Fault",
    "Faults",
    "PartnerApp",
    "Reply",
    "Request",
    "ShopSpec",
    "SimServer",
    "Simulator",
    "SimulatorSettings",
    "TokenPair",
    "Truth",
    "World",
    "WorldSettings",
]
