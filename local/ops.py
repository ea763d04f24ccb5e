"""`python -m local shop ...`: operator commands for shops, run off AWS.

    shop auth-url --redirect URL              the link a seller opens to authorize the app
    shop add --shop-id N --region VN --code C trade the redirect's code for tokens, store them
    shop list                                 shops with status and token expiry

Reads the same environment as the handlers: `DATABASE_URL` (or `DB_SECRET_ARN`),
`SHOPEE_PARTNER_ID`/`SHOPEE_PARTNER_KEY` (or `SHOPEE_PARTNER_SECRET_ARN`) and
`SHOPEE_BASE_URL`. Never prints a token.
"""

import argparse
import os
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import TextIO

from adsync.clock import Clock, utc_now
from adsync.config import load_partner_credentials, load_settings
from adsync.errors import AdsSyncError
from adsync.jobs import Dispatch, SyncType
from adsync.regions import TIME_ZONES
from adsync.services.admin import require_schema
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_shop
from adsync.shopee.client import ShopeeClient, Transport


def add_parser(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
) -> argparse.ArgumentParser:
    """Add the `shop` command (with its sub-commands) to a subparsers object."""
    shop = commands.add_parser("shop", help="authorize, add and list shops")
    configure(shop)
    return shop


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="shop_command", required=True)
    auth_url = actions.add_parser("auth-url", help="print the seller authorization link")
    auth_url.add_argument("--redirect", required=True, help="where Shopee sends the seller back")
    add = actions.add_parser("add", help="exchange an authorization code and store the shop")
    add.add_argument("--shop-id", type=int, required=True)
    add.add_argument("--region", required=True, type=str.upper, choices=sorted(TIME_ZONES))
    add.add_argument("--code", required=True, help="the code from the redirect (single use)")
    add.add_argument("--name", default=None, help="a display name for the shop")
    add.add_argument(
        "--no-backfill",
        action="store_true",
        help="do not record the new shop's backfill_full job (its last 7 days, priority 3)",
    )
    actions.add_parser("list", help="list shops with status and token expiry (no tokens)")


def main(
    argv: list[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock = utc_now,
    out: TextIO | None = None,
) -> int:
    """Run one shop command (`argv` with or without the leading "shop"); 0 on success."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["shop"]:
        args_list = args_list[1:]
    parser = argparse.ArgumentParser(prog="python -m local shop", description=__doc__)
    configure(parser)
    return run(parser.parse_args(args_list), env=env, clock=clock, out=out)


def run(
    args: argparse.Namespace,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock = utc_now,
    out: TextIO | None = None,
) -> int:
    """Run parsed `shop` arguments; errors go to stderr as one line, exit code 1."""
    environment = dict(os.environ if env is None else env)
    stream = out or sys.stdout
    try:
        if args.shop_command == "auth-url":
            print(_authorization_url(environment, clock, args.redirect), file=stream)
        elif args.shop_command == "add":
            _add(environment, clock, args, stream)
        else:
            _list(environment, clock, stream)
    except (AdsSyncError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _authorization_url(env: Mapping[str, str], clock: Clock, redirect: str) -> str:
    client = ShopeeClient(
        Transport(
            base_url=load_settings(env).shopee_base_url,
            credentials=load_partner_credentials(env),
            clock=clock,
        )
    )
    return client.authorization_url(redirect)


def _add(env: Mapping[str, str], clock: Clock, args: argparse.Namespace, out: TextIO) -> None:
    deps = Dependencies(env=env, clock=clock)
    try:
        onboard_shop(
            deps, shop_id=args.shop_id, region=args.region, code=args.code, shop_name=args.name
        )
        shop = deps.shops.get(args.shop_id)
        backfill = [] if args.no_backfill else _record_backfill(deps, args.shop_id, clock)
    finally:
        deps.close()
    if shop is None:  # cannot happen after a successful upsert
        raise AdsSyncError(f"shop {args.shop_id} was not stored")
    print(
        f"shop {shop.shop_id} ({shop.region}) {shop.status.value}; "
        f"access token expires {_when(shop.access_token_expires_at)}",
        file=out,
    )
    for dispatch in backfill:
        print(
            f"backfill_full job {dispatch.job_id} recorded (priority 3); "
            "the reconciler sends it within a minute",
            file=out,
        )


def _record_backfill(deps: Dependencies, shop_id: int, clock: Clock) -> list[Dispatch]:
    """A new shop's last 7 days, at critical priority; nothing if one is already live."""
    return deps.jobs.insert_jobs(
        sync_type=SyncType.BACKFILL_FULL.value,
        priority=3,
        shop_ids=[shop_id],
        days_ago=[None],
        target_days=[None],
        now=clock(),
    )


def _list(env: Mapping[str, str], clock: Clock, out: TextIO) -> None:
    deps = Dependencies(env=env, clock=clock)
    try:
        require_schema(deps)  # a fresh database: say so, not 42P01
        shops = deps.shops.overview()
    finally:
        deps.close()
    header = ("SHOP_ID", "REGION", "STATUS", "ACCESS_EXPIRES", "REFRESH_EXPIRES", "LAST_SYNC")
    rows = [header]
    for s in shops:
        status = s.status.value if s.has_token else f"{s.status.value} (no token)"
        rows.append(
            (
                str(s.shop_id),
                s.region,
                status,
                _when(s.access_token_expires_at),
                _when(s.refresh_token_expires_at),
                _when(s.last_synced_at),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(), file=out
        )
    for s in shops:
        if s.status_reason:
            print(f"shop {s.shop_id}: {s.status_reason}", file=out)
    print(f"{len(shops)} shop(s)", file=out)


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"
