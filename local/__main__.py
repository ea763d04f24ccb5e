"""`python -m local run`: one sync cycle on this machine, then a summary.
`python -m local shop ...`: authorize, add and list shops (see local/ops.py).

Uses `DATABASE_URL` when set (the run works in a database named adsync_local on that
server), else an embedded Postgres in .local/pgdata.
"""

import argparse
import json
import sys

from local import ops
from local.runner import RunOptions, run_cycle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one realtime sync cycle end to end")
    run.add_argument("--shops", type=int, default=20)
    run.add_argument("--seed", type=int, default=42)
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
    ops.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "shop":
        return ops.run(args)

    options = RunOptions(
        shops=args.shops,
        seed=args.seed,
        concurrency=args.concurrency,
        timeout_seconds=args.timeout,
        quiet=not args.verbose,
        transport=args.transport,
    )
    summary = run_cycle(options)
    if args.json:
        print(json.dumps(summary.as_json(), indent=2, sort_keys=True))
    else:
        print(f"shops             {summary.shops}")
        print(f"jobs enqueued     {summary.enqueued}")
        print(
            "jobs by status    "
            + ", ".join(f"{k}={v}" for k, v in sorted(summary.jobs_by_status.items()))
        )
        rows = ", ".join(f"{k}={v}" for k, v in summary.rows_written.items())
        print(f"rows written      {rows}")
        print(
            f"vs Shopee         {summary.rows_checked} rows equal the simulator's, "
            f"{len(summary.mismatches)} differ"
        )
        for mismatch in summary.mismatches:
            print(f"  {mismatch}")
        print(
            f"worker batches    {summary.batches} "
            f"({summary.records} records, {summary.record_failures} failed)"
        )
        print(f"shopee calls      {summary.shopee_calls}")
        print(f"wall time         {summary.wall_seconds} s")
        print(f"database          {summary.database_url}")
        print("result            " + ("OK" if summary.ok else "INCOMPLETE"))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
