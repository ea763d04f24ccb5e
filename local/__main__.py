"""`python -m local run`: one sync cycle on this machine, then a summary.
`python -m local shop ...`: authorize, add and list shops (see local/ops.py).
`python -m local sam-backend`, `sam-event`, `cfn-response`: the host side of
`sam local invoke` (see docs/local-invoke.md and local/sam_backend.py).

Uses `DATABASE_URL` when set (the run works in a database named adsync_local on that
server, or `--database NAME`), else an embedded Postgres in .local/pgdata. A run
resumes what a crashed one left; `--fresh` drops the database first. On a terminal a
progress bar shows on stderr (not with --json). Ctrl-C stops the run, prints the summary
of what is there marked interrupted, and exits 130; the next run resumes.

`run --shopee-url URL` calls that Shopee (a partner test environment, or live) instead of
the simulator, as partner SHOPEE_PARTNER_ID with key SHOPEE_PARTNER_KEY (or
SHOPEE_PARTNER_SECRET_ARN) from the environment, in the database adsync_shopee; its
shops are the ones authorized with `adsync --database adsync_shopee shops authorize`.
"""

import argparse
import json
import os
import sys

from adsync.config import load_partner_credentials
from adsync.errors import ConfigError
from local import cfn_response, ops, sam_backend
from local.postgres import LOCAL_DATABASE
from local.progress import RunProgress
from local.runner import (
    REAL_SHOPEE_DATABASE,
    CycleSummary,
    ForeignShopsError,
    RunOptions,
    run_cycle,
)
from local.stack import ShopeeEndpoint

INTERRUPTED_EXIT = 130  # 128 + SIGINT, as a shell reports a Ctrl-C


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one realtime sync cycle end to end")
    run.add_argument("--shops", type=int, help="simulated shops (default 20)")
    run.add_argument("--seed", type=int, help="the simulated world's seed (default 42)")
    run.add_argument(
        "--shopee-url",
        help="a real Shopee (e.g. https://partner.test-stable.shopeemobile.com) instead of the "
        "simulator; partner id and key from SHOPEE_PARTNER_ID and SHOPEE_PARTNER_KEY",
    )
    run.add_argument("--concurrency", type=int, default=4, help="worker 'containers' in parallel")
    run.add_argument("--timeout", type=float, default=600.0, help="give up after N seconds")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--verbose", action="store_true", help="show handler logs and metrics")
    run.add_argument(
        "--transport",
        choices=("moto", "postgres"),
        default="moto",
        help="SQS: moto in-process (default) or the Postgres-backed transport (10,000+ messages)",
    )
    run.add_argument(
        "--database",
        help=f"database name on the server (default {LOCAL_DATABASE}, {REAL_SHOPEE_DATABASE} "
        "with --shopee-url; tests use a scratch name)",
    )
    run.add_argument(
        "--fresh",
        action="store_true",
        help="drop and recreate the database first (default: resume what is there)",
    )
    ops.add_parser(commands)
    catcher = commands.add_parser(
        "cfn-response", help="print custom-resource answers PUT to it (sam local invoke)"
    )
    catcher.add_argument("--host", default="127.0.0.1", help="0.0.0.0 for Docker on Linux")
    catcher.add_argument("--port", type=int, default=8766)
    backend = commands.add_parser(
        "sam-backend", help="simulator + SQS + migrated, onboarded DATABASE_URL for sam local"
    )
    backend.add_argument("--host", default="127.0.0.1", help="0.0.0.0 for Docker on Linux")
    backend.add_argument("--shops", type=int, default=5)
    backend.add_argument("--seed", type=int, default=42)
    event = commands.add_parser("sam-event", help="print queued messages as an SQS event")
    event.add_argument("--priority", type=int, choices=(0, 1, 2, 3), default=1)
    event.add_argument("--dead-letter", action="store_true", help="read the priority's DLQ")
    event.add_argument("--endpoint", default="http://127.0.0.1:5000", help="the SQS endpoint")
    args = parser.parse_args(argv)
    if args.command == "shop":
        return ops.run(args)
    if args.command == "cfn-response":
        return cfn_response.run(args.host, args.port)
    if args.command == "sam-backend":
        database_url = os.environ.get("DATABASE_URL")
        if not database_url:
            parser.error("sam-backend needs DATABASE_URL (a Postgres the container can reach)")
        return sam_backend.run_backend(
            database_url=database_url, host=args.host, shops=args.shops, seed=args.seed
        )
    if args.command == "sam-event":
        return sam_backend.print_event(
            endpoint=args.endpoint, priority=args.priority, dead_letter=args.dead_letter
        )

    shopee = None
    if args.shopee_url:
        if args.shops is not None or args.seed is not None:
            parser.error("--shops and --seed shape the simulator; --shopee-url has none")
        try:  # before the stack patches the environment and starts moto
            partner = load_partner_credentials(os.environ)
        except ConfigError as exc:
            parser.error(f"--shopee-url: {exc}")
        shopee = ShopeeEndpoint(base_url=args.shopee_url.rstrip("/"), partner=partner)
    options = RunOptions(
        shops=20 if args.shops is None else args.shops,
        seed=42 if args.seed is None else args.seed,
        shopee=shopee,
        concurrency=args.concurrency,
        timeout_seconds=args.timeout,
        quiet=not args.verbose,
        transport=args.transport,
        database=args.database or (REAL_SHOPEE_DATABASE if shopee else LOCAL_DATABASE),
        fresh=args.fresh,
        progress=None if args.json else RunProgress(sys.stderr),
        announce=lambda line: print(line, file=sys.stderr, flush=True),
    )
    try:
        summary = run_cycle(options)
    except ForeignShopsError as exc:  # nothing ran, nothing changed
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before the pollers started, or while summarising
        print("interrupted: nothing to summarise; run again to resume", file=sys.stderr)
        return INTERRUPTED_EXIT
    if args.json:
        print(json.dumps(summary.as_json(), indent=2, sort_keys=True))
    else:
        print_summary(summary)
    if summary.interrupted:
        return INTERRUPTED_EXIT
    return 0 if summary.ok else 1


def print_summary(summary: CycleSummary) -> None:
    print(f"shops             {summary.shops}")
    print(f"jobs enqueued     {summary.enqueued}")
    print(
        "jobs by status    "
        + ", ".join(f"{k}={v}" for k, v in sorted(summary.jobs_by_status.items()))
    )
    rows = ", ".join(f"{k}={v}" for k, v in summary.rows_written.items())
    print(f"rows written      {rows}")
    if summary.shopee_url:
        print(f"shopee            {summary.shopee_url} (instead of the built-in simulator)")
    if summary.interrupted:
        print("vs Shopee         not compared (interrupted)")
    elif not summary.compared:
        print("vs Shopee         not compared (no ground truth outside the simulator)")
    else:
        print(
            f"vs Shopee         {summary.rows_checked} rows equal the simulator's, "
            f"{len(summary.mismatches)} differ"
        )
    for mismatch in summary.mismatches:
        print(f"  {mismatch}")
    if not summary.interrupted:
        checked = ", each exactly as in Shopee's numbers" if summary.compared else " (not checked)"
        print(
            f"totals vs parts   {len(summary.totals_differences)} (metric, region) pairs differ "
            f"beyond rounding{checked} (expected: Shop Ads, campaigns deleted before the first "
            "sync; docs/operations.md)"
        )
        for d in summary.totals_differences:
            print(
                f"  {d['comparison']} {d['metric']} {d['region']}: {d['shop_days']} shop-days, "
                f"{d['shops']} shops, total {d['total_difference']}"
            )
    print(
        f"worker batches    {summary.batches} "
        f"({summary.records} records, {summary.record_failures} failed)"
    )
    calls = "not counted" if summary.shopee_calls is None else summary.shopee_calls
    print(f"shopee calls      {calls}")
    if summary.shops_by_partner:
        apps = ", ".join(f"{k}: {v} shops" for k, v in summary.shops_by_partner.items())
        print(f"partner apps      {apps}")
    print(f"wall time         {summary.wall_seconds} s")
    print(f"database          {summary.database_url}")
    if summary.resumed_jobs:
        print(
            f"resumed           {summary.resumed_jobs} jobs found pending or processing "
            "(left by an earlier run, or queued by adsync)"
        )
    for line in summary.not_checked:
        print(f"not checked       {line}")
    if summary.interrupted:
        result = "INTERRUPTED: run again to resume (the run resumes by default)"
    elif summary.shops == 0:
        result = "NO SHOPS (see above)"
    else:
        result = "OK" if summary.ok else "INCOMPLETE"
    print(f"result            {result}")


if __name__ == "__main__":
    sys.exit(main())
