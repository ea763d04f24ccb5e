"""`python -m local.simulator`: serve a simulated world over HTTP in the foreground.

Prints the partner id, the (fake, local-only) partner key and a few shops with fresh
tokens so a developer can sign requests by hand. Must not be imported by tests.
"""

import argparse
import signal
import threading
from datetime import UTC, datetime

from local.simulator import signing
from local.simulator.settings import SimulatorSettings
from local.simulator.simulator import Simulator
from local.simulator.world import World, WorldSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--shops", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--show", type=int, default=5, help="shops to print with fresh tokens")
    parser.add_argument(
        "--main-account-shops",
        type=int,
        default=5,
        help="the first N shops belong to one main account (0: none)",
    )
    args = parser.parse_args(argv)

    main_accounts = (args.main_account_shops,) if 0 < args.main_account_shops <= args.shops else ()
    world = World.generate(
        WorldSettings(seed=args.seed, shop_count=args.shops, main_account_sizes=main_accounts)
    )
    settings = SimulatorSettings()
    sim = Simulator(world, settings, clock=lambda: datetime.now(UTC))
    server = sim.serve(host=args.host, port=args.port)
    print(f"Shopee Ads simulator on {server.base_url} (seed {args.seed}, {args.shops} shops)")
    print(f"partner_id  = {settings.partner_id}")
    print(f"partner_key = {settings.partner_key}  (FAKE: a local test key, not a real secret)")
    if main_accounts:
        print(
            f"main account {world.settings.first_main_account_id} owns the first "
            f"{main_accounts[0]} shops (add &main_account_id=... to the authorization link)"
        )
    for shop in world.shops[: args.show]:
        pair = sim.issue_tokens(shop.shop_id)
        print(
            f"shop {shop.shop_id} {shop.region} campaigns={shop.campaign_count} "
            f"access_token={pair.access_token} refresh_token={pair.refresh_token}"
        )
    if world.shops:
        print(_example_curl(sim, server.base_url, world.shops[0].shop_id))
    print("Ctrl-C to stop.", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _example_curl(sim: Simulator, base_url: str, shop_id: int) -> str:
    """A ready-to-run request, signed with the simulator's own signing code (valid 5 min)."""
    path = "/api/v2/ads/get_product_level_campaign_id_list"
    settings = sim.settings
    timestamp = int(sim.now().timestamp())
    token = sim.issue_tokens(shop_id).access_token
    base = signing.shop_base_string(
        partner_id=settings.partner_id,
        path=path,
        timestamp=timestamp,
        access_token=token,
        shop_id=shop_id,
    )
    sign = signing.sign(partner_key=settings.partner_key, base_string=base)
    return (
        f"Example (valid 5 minutes):\n  curl '{base_url}{path}?partner_id={settings.partner_id}"
        f"&timestamp={timestamp}&access_token={token}&shop_id={shop_id}&sign={sign}&limit=10'"
    )


if __name__ == "__main__":
    main()
