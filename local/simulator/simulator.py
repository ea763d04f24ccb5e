"""The simulator facade: one object a test or developer builds and drives.

Owns the wiring (world, settings, token store, gateway, counters, faults, truth) and the
clock. The clock is injected (default: wall clock, the only place the simulator reads
it), so tests can freeze and move time. Must not contain API rules itself.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from local.simulator.backend import Backend
from local.simulator.counters import Counters
from local.simulator.faults import Faults
from local.simulator.gateway import Gateway, Reply, Request
from local.simulator.metrics import MetricsModel
from local.simulator.reports import Reports
from local.simulator.server import SimServer
from local.simulator.settings import SimulatorSettings
from local.simulator.throttle import Throttle
from local.simulator.tokens import TokenPair, TokenStore
from local.simulator.truth import Truth
from local.simulator.world import World


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class Simulator:
    def __init__(
        self,
        world: World,
        settings: SimulatorSettings | None = None,
        *,
        clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.world = world
        self.settings = settings or SimulatorSettings()
        self._clock = clock
        self.counters = Counters()
        self.faults = Faults()
        self._tokens = TokenStore(self.settings)
        self.throttle = Throttle(self.settings)
        model = MetricsModel(
            seed=world.seed,
            attribution_window=self.settings.attribution_window,
            attribution_initial_share=self.settings.attribution_initial_share,
            money_decimals=self.settings.money_decimals,
        )
        reports = Reports(world=world, settings=self.settings, model=model)
        self.truth = Truth(reports=reports, clock=self.now)
        self._gateway = Gateway(
            backend=Backend(
                world=world, settings=self.settings, tokens=self._tokens, reports=reports
            ),
            counters=self.counters,
            faults=self.faults,
            throttle=self.throttle,
        )

    def now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the simulator clock must return an aware datetime")
        return now.astimezone(UTC)

    def handle(self, request: Request) -> Reply:
        """Serve one request without HTTP (what the server does for each request)."""
        return self._gateway.handle(request, now=self.now())

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SimServer:
        """Start the HTTP server on a background thread (port 0 = any free port)."""
        return SimServer(self.handle, host=host, port=port)

    def authorize(self, shop_id: int) -> str:
        """The seller consents and is redirected: a single-use code for auth/token/get."""
        self._require_shop(shop_id)
        return self._tokens.authorize(shop_id, now=self.now())

    def authorize_main_account(self, main_account_id: int) -> str:
        """A main account consents for all its shops: one code (doc §3.1)."""
        shops = self.world.main_account_shops(main_account_id)
        if not shops:
            raise KeyError(f"main account {main_account_id} is not in the simulated world")
        return self._tokens.authorize_main_account(
            main_account_id, tuple(s.shop_id for s in shops), now=self.now()
        )

    def issue_tokens(self, shop_id: int) -> TokenPair:
        """A fresh valid token pair without the code round trip (seeding)."""
        self._require_shop(shop_id)
        return self._tokens.issue(shop_id, now=self.now())

    def revoke(self, shop_id: int) -> None:
        """The seller ends the authorization.

        Shop API calls then get error_auth and refreshes get shop_access_expired.
        """
        self._tokens.revoke(shop_id)

    def expire_access_token(self, shop_id: int) -> None:
        """Every access token of the shop stops working now (refresh still works)."""
        self._tokens.expire_access_tokens(shop_id, now=self.now())

    def _require_shop(self, shop_id: int) -> None:
        if self.world.shop(shop_id) is None:
            raise KeyError(f"shop {shop_id} is not in the simulated world")
