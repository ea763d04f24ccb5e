"""The simulator in a process of its own (benchmarks): same world, real HTTP, controls
over the pipe."""

import time

import pytest
import requests

from local.simulator import SimulatorSettings
from local.simulator.process import SimulatorProcess
from tests.simulator.conftest import PARTNER_ID, PARTNER_KEY, hmac_hex, make_world

ID_LIST = "/api/v2/ads/get_product_level_campaign_id_list"


def test_a_simulator_process_serves_the_same_world_and_reports_its_counters() -> None:
    world = make_world()
    shop = world.shops[0]
    settings = SimulatorSettings(partner_id=PARTNER_ID, partner_key=PARTNER_KEY)
    sim = SimulatorProcess(world, settings)
    try:
        cpu_at_start = sim.cpu_seconds()
        token = sim.issue_tokens(shop.shop_id).access_token
        ts = int(time.time())
        base = f"{PARTNER_ID}{ID_LIST}{ts}{token}{shop.shop_id}"
        params = {
            "partner_id": PARTNER_ID,
            "timestamp": ts,
            "sign": hmac_hex(PARTNER_KEY, base),
            "access_token": token,
            "shop_id": shop.shop_id,
            "offset": 0,
            "limit": 5000,
        }
        page = requests.get(sim.base_url + ID_LIST, params=params, timeout=10).json()
        assert page["error"] == "", page
        served = {c["campaign_id"] for c in page["response"]["campaign_list"]}
        # Generated again in the child from the same settings: the very same campaigns.
        assert served and served <= {c.campaign_id for c in world.campaigns(shop.shop_id)}
        assert sim.cpu_seconds() > cpu_at_start  # the child's own CPU: it served a call
        assert sim.counters.calls == {ID_LIST: 1}
        assert sim.counters.rejected() == 0
        sim.counters.reset()
        assert sim.counters.calls == {}
        # Not a shop of this world: the error crosses the pipe.
        with pytest.raises(RuntimeError, match=r"issue_tokens.*not in the simulated world"):
            sim.issue_tokens(1)
        assert sim.counters.calls == {}  # and the process still answers
    finally:
        sim.stop()
