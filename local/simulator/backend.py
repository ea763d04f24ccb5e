"""What every endpoint handler gets: the simulator's parts and one parsed call.

Must not hold logic; it only ties the world, settings, token store and reports together.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local.simulator.reports import Reports
from local.simulator.settings import SimulatorSettings
from local.simulator.tokens import TokenStore
from local.simulator.world import ShopSpec, World


@dataclass(frozen=True, kw_only=True)
class Backend:
    world: World
    settings: SimulatorSettings
    tokens: TokenStore
    reports: Reports


@dataclass(frozen=True, kw_only=True)
class Call:
    backend: Backend
    # Query parameters for GET, the JSON body for POST.
    params: Mapping[str, Any]
    now: datetime
    shop: ShopSpec | None = None  # set for shop APIs once the token is checked

    @property
    def shop_spec(self) -> ShopSpec:
        if self.shop is None:
            raise AssertionError("shop APIs are only called with a checked shop")
        return self.shop
