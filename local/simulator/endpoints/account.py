"""Shop ad-account endpoints: get_total_balance and get_shop_toggle_info (doc §6.1, §6.2).

Values are derived from (seed, shop) so they are stable; the balance drifts slowly with
the clock so snapshots taken at different times differ. Must not touch metrics.
"""

from typing import Any

from local.simulator import noise
from local.simulator.backend import Call
from local.simulator.regions import region

_K_BALANCE = noise.text_key("balance")
_K_TOGGLE = noise.text_key("toggle")


def total_balance(call: Call) -> dict[str, Any]:
    shop = call.shop_spec
    seed = call.backend.world.seed
    now_ts = int(call.now.timestamp())
    scale = region(shop.region).order_value
    base = scale * (5 + 200 * noise.unit(seed, shop.shop_id, _K_BALANCE))
    # Balance is topped up and spent through the day; the hour's draw keeps it plausible.
    drift = 0.5 + noise.unit(seed, shop.shop_id, now_ts // 3600, _K_BALANCE)
    return {
        "data_timestamp": now_ts,
        "total_balance": round(base * drift, call.backend.settings.money_decimals),
    }


def shop_toggle_info(call: Call) -> dict[str, Any]:
    u = noise.units(2, call.backend.world.seed, call.shop_spec.shop_id, _K_TOGGLE)
    return {
        "data_timestamp": int(call.now.timestamp()),
        "auto_top_up": u[0] < 0.3,
        "campaign_surge": u[1] < 0.5,
    }
