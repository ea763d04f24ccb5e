"""`python -m local run`: one sync cycle on this machine, then a summary.
`python -m local shop ...`: authorize, add and list shops (see local/ops.py).
`python -m local sam-backend`, `sam-event`, `cfn-response`: the host side of
`sam local invoke` (see docs/local-invoke.md and local/sam_backend.py).

Uses `DATABASE_URL` when set (the run works in a database named adsync_local on that
server, or `--database NAME`), else an embedded Postgres in .local/pgdata. A run
resumes what a crashed one left; `--fresh` drops the database first. On a terminal a
progress bar shows on stderr (not with --json). Ctrl-C stops the run, prints the summary
of what is there marked interrupted, and exits 130; the next run resumes.
"""

import argparse
import json
import os
import sys

from local import cfn_response, ops, sam_backend
from local.postgres import LOCAL_DATABASE
from local.progress import RunProgress
from local.runner import CycleSummary, RunOptions, run_cycle

INTERRUPTED_EXIT = 130  # 128 + SIGINT, as a shell reports a Ctrl-C


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
    run.add_argument(
        "--database",
        default=LOCAL_DATABASE,
        help=f"database name on the server (default {LOCAL_DATABASE}; tests use a scratch name)",
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

    options = RunOptions(
        shops=args.shops,
        seed=args.seed,
        concurrency=args.concurrency,
        timeout_seconds=args.timeout,
        quiet=not args.verbose,
        transport=args.transport,
        database=args.database,
        fresh=args.fresh,
        progress=None if args.json else RunProgress(sys.stderr),
        announce=lambda line: print(line, file=sys.stderr, flush=True),
    )
    try:
        summary = run_cycle(options)
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
    if summary.interrupted:
        print("vs Shopee         not compared (interrupted)")
    else:
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
    if summary.resumed_jobs:
        print(f"resumed           {summary.resumed_jobs} jobs left live by an earlier run")
    if summary.interrupted:
        result = "INTERRUPTED: run again to resume (the run resumes by default)"
    else:
        result = "OK" if summary.ok else "INCOMPLETE"
    print(f"result            {result}")


if __name__ == "__main__":
    sys.exit(main())
