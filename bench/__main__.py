"""`python -m bench`: run every benchmark once and write bench/RESULTS.md.

Defaults take about an hour on 2 cores (the R = 5 and R = 3 cycles wait on their
budget); `--big` adds the 10,000-shop cycle.
Uses DATABASE_URL if set, else the embedded Postgres (a scratch database per run).
"""

import os

# Before anything imports the layer: its logger reads the level once, at import.
os.environ.update({"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"})

import argparse
import sys
from pathlib import Path

from bench.report import Report, Sizes, run_all
from local.postgres import scratch_database, server_url

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--shops", type=int, default=1000, help="shops in the cycle benchmark")
    parser.add_argument("--big", action="store_true", help="also run a 10,000-shop cycle")
    parser.add_argument("--rate", type=float, default=50.0, help="partner budget R, req/s")
    parser.add_argument(
        "--concurrency",
        type=int,
        help="emulated worker containers (x WORKER_THREADS); default: the template's",
    )
    parser.add_argument("--enqueue-shops", type=int, default=10_000)
    parser.add_argument("--upsert-rows", type=int, default=10_000)
    parser.add_argument("--overhead-shops", type=int, default=40)
    parser.add_argument("--import-runs", type=int, default=10)
    parser.add_argument("--moto-messages", type=int, default=500)
    parser.add_argument("--tiny", action="store_true", help="smoke sizes (tests use this)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = (
        Sizes.tiny()
        if args.tiny
        else Sizes(
            cycle_shops=args.shops,
            big_cycle_shops=10_000 if args.big else None,
            rate=args.rate,
            concurrency=args.concurrency,
            enqueue_shops=args.enqueue_shops,
            upsert_rows=args.upsert_rows,
            overhead_shops=args.overhead_shops,
            import_runs=args.import_runs,
            moto_messages=args.moto_messages,
            pg_messages=(args.moto_messages, 10_000),
        )
    )
    with scratch_database(server_url(), prefix="adsync_bench") as url:
        report: Report = run_all(sizes, database_url=url, argv=sys.argv[1:], progress=print)
    args.out.write_text(report.markdown())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
