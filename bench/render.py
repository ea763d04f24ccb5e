# ruff: noqa: E501  (markdown table rows read better whole)
"""RESULTS.md from a Report: tables first, then each target of the issue, met or missed."""

from bench.report import Report

MIN = 60.0


def _fmt(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def _mark(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def render(r: Report) -> str:
    out: list[str] = []
    add = out.append
    add("# Benchmark results\n")
    add(f"Run {r.started:%Y-%m-%d %H:%M UTC}, `python -m bench {' '.join(r.argv)}`, ")
    add(f"{_fmt(r.seconds)} in all. Generated file: rerun `make bench` to refresh.\n")
    add("| machine | |\n| --- | --- |")
    for key, value in r.machine.items():
        add(f"| {key} | {value} |")
    add("")

    add("## 0. SQS transport: moto vs pgqueue\n")
    add("| transport | queued messages | send msg/s (batches of 10) | receive+delete msg/s |")
    add("| --- | ---: | ---: | ---: |")
    for t in r.transport:
        add(
            f"| {t.transport} | {t.messages:,} | {t.send_per_second:,.0f} | "
            f"{t.receive_delete_per_second:,.0f} |"
        )
    add("")

    add("## 1. One realtime cycle vs the request budget\n")
    add(
        "Real handlers: enqueue -> pgqueue -> emulated event source mapping -> worker -> "
        "simulator over HTTP (in a process of its own) -> Postgres. Containers x threads: "
        "the template's MaximumConcurrency for the realtime queue x the worker's "
        "WORKER_THREADS. Calls needed = calls the simulator accepted (its counters, per "
        "endpoint below); lower bound = calls needed / R. The measured cycle follows a "
        "warm-up cycle (its time under 'cold cycle'), as at steady state, where every shop "
        "synced before and enqueue sends the biggest shops first; a cycle marked "
        "'measured' ran cold. CPU busy is the workers' process only.\n"
    )
    add(
        "| shops | campaigns | R req/s | threads | calls needed | bound | cycle | "
        "utilization | cold cycle | CPU busy | throttled (partner) | other rejections | "
        "lag p50 | lag p99 | lag max | jobs |"
    )
    add(
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | --- |"
    )
    for c in r.cycles:
        o = c.options
        add(
            f"| {o.shops:,} | {c.campaigns:,} | {o.partner_rate:g} | "
            f"{o.concurrency} x {o.worker_threads} | "
            f"{c.calls_accepted:,} | {_fmt(c.bound_seconds)} | {_fmt(c.cycle_seconds)} | "
            f"{c.utilization:.3f} | "
            f"{_fmt(c.warmup_seconds) if c.warmup_seconds is not None else 'measured'} | "
            f"{c.cpu_seconds / c.cycle_seconds:.2f} cores | "
            f"{c.throttle_rejections:,} | {c.other_rejections:,} | "
            f"{_fmt(c.lag_p50_seconds)} | {_fmt(c.lag_p99_seconds)} | {_fmt(c.lag_max_seconds)} | "
            f"{', '.join(f'{k}={v}' for k, v in sorted(c.jobs_by_status.items()))} |"
        )
    add("")
    for c in r.cycles:
        add(f"Calls per endpoint, {c.options.shops:,} shops (accepted + rejected):\n")
        for path, n in sorted(c.calls_by_path.items()):
            add(f"- `{path}`: {n:,}")
        add(f"- jobs the reconciler (every minute, as scheduled) re-dispatched: {c.redispatched:,}")
        if c.handler_errors:
            add(f"- handler errors (first 3): {c.handler_errors}")
        add("")
    add(
        "Lag = time from the enqueue tick to the job's `completed_at` (a shop's data is "
        "at most 15 min + its lag old at steady state, while a cycle fits in 15 min). "
        "Simulator latency "
        f"{r.sizes.latency_min_ms}-{r.sizes.latency_max_ms} ms per call; shops with 5,000 "
        f"campaigns: {r.sizes.big_shops}; share with 900+ campaigns: 10 %.\n"
    )

    add("## 2. Against the seed's design\n")
    add(
        "Seed: discrete-event model (every 5 min dispatch 10 jobs 0.5 s apart, each marked "
        "completed on dispatch, data lands after the measured mean job time "
        f"{_fmt(r.cycles[0].job_seconds_mean) if r.cycles else '-'}; enqueue every 15 min "
        "only when nothing is pending/processing), simulated for max(72 h, 6 full rounds), the second half measured. "
        "Ours: every shop every 15 min while the measured drain rate "
        f"({r.cycles[0].cycle_seconds / r.cycles[0].options.shops:.3f} s of cycle per shop at "
        f"R={r.cycles[0].options.partner_rate:g}) keeps up, else as fast as it allows "
        "(extrapolated from the measured cycle for the sizes not run).\n"
        if r.cycles
        else ""
    )
    add(
        "| shops | seed shops/h | seed worst staleness | ours shops/h (15-min schedule) | "
        "ours worst staleness | ours capacity shops/h | ratio scheduled | ratio capacity |"
    )
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for seed, ours in r.seed:
        add(
            f"| {seed.shops:,} | {seed.shops_per_hour:,.0f} | {_fmt(seed.worst_staleness_seconds)} | "
            f"{ours.shops_per_hour:,.0f} | {_fmt(ours.worst_staleness_seconds)} | "
            f"{ours.capacity_per_hour:,.0f} | {ours.shops_per_hour / seed.shops_per_hour:,.1f}x | "
            f"{ours.capacity_per_hour / seed.shops_per_hour:,.1f}x |"
        )
    add(
        "\nRealtime ticks every 15 min sync each shop at most 4 times an hour, so the scheduled "
        "ratio is capped at 4N / the seed's rate; the capacity ratio is what the pipeline "
        "drains at this budget when the queue is full (backfills, catch-up).\n"
    )

    if r.enqueue:
        e = r.enqueue
        add("## 3. Enqueue\n")
        add(
            f"Real enqueue handler, {e.shops:,} shops, pgqueue: {e.inserted:,} jobs recorded, "
            f"{e.sent:,} sent in {e.seconds:.2f} s = **{e.jobs_per_second:,.0f} jobs/s** "
            f"(SQS calls: {e.sqs_calls}).\n"
        )
    if r.upserts:
        u = r.upserts
        add("## 4. Upserts\n")
        add(
            f"`AdsStore.upsert_campaign_daily`, {u.rows:,} existing rows overwritten: batched "
            f"{u.batched_rows_per_second:,.0f} rows/s, one row per statement "
            f"{u.naive_rows_per_second:,.0f} rows/s: **{u.speedup:.1f}x**.\n"
        )
    if r.overhead:
        ov = r.overhead
        add("## 5. Per-job overhead (simulator latency 0)\n")
        add(f"{ov.jobs} jobs, whole lifecycle (enqueue + mapping + worker):\n")
        add(f"- DB round trips per job, by handler: {_kv(ov.db_round_trips_per_job)}")
        add(f"- SQS calls per job: {_kv(ov.sqs_calls_per_job)}")
        add(f"- Shopee calls per job: {ov.shopee_calls_per_job:.2f}")
        add(
            f"- worker CPU per job (mapping threads + the worker's record pool, CPU clocks): "
            f"{ov.worker_cpu_ms_per_job:.1f} ms\n"
        )
    if r.cold_start:
        cs = r.cold_start
        add("## 6. Cold start\n")
        add(
            f"Import of `functions/<name>/app.py` in a fresh interpreter, median of "
            f"{r.sizes.import_runs} processes (interpreter start excluded):\n"
        )
        for name, ms in cs.import_ms.items():
            add(f"- {name}: {ms:.0f} ms")
        add(
            f"\nLayer size (layers/shared + installed runtime requirements, uncompressed): "
            f"{cs.layer_bytes / 1e6:.1f} MB ({_kv({k: v / 1e6 for k, v in cs.layer_breakdown.items()})} MB)\n"
        )
    add(_targets(r))
    return "\n".join(out) + "\n"


def _kv(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in values.items())


def _targets(r: Report) -> str:
    lines = [
        "## Targets from the issue\n",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
    ]
    if r.cycles:
        c = r.cycles[0]
        steady = c.throttle_rejections == 0 and c.utilization >= 0.9
        lines.append(
            f"| utilization >= 0.9 with zero throttle rejections | {c.utilization:.3f}, "
            f"{c.throttle_rejections:,} rejections | {_mark(steady)} |"
        )
        fits = c.finished and c.cycle_seconds <= 15 * MIN and c.options.shops >= 1000
        lines.append(
            f"| 1,000 shops finish a realtime cycle inside 15 min at R={c.options.partner_rate:g} "
            f"| {c.options.shops:,} shops in {_fmt(c.cycle_seconds)} | {_mark(fits)} |"
        )
    for seed, ours in r.seed:
        if seed.shops == 1000:
            ratio = ours.capacity_per_hour / seed.shops_per_hour
            scheduled = ours.shops_per_hour / seed.shops_per_hour
            lines.append(
                f"| >= 50x the seed's shops/hour at 1,000 shops | capacity {ratio:.1f}x "
                f"(scheduled, capped by the 15-min tick: {scheduled:.1f}x) | {_mark(ratio >= 50)} "
                "on capacity |"
            )
    if r.enqueue:
        ok = r.enqueue.shops >= 10_000 and r.enqueue.seconds < 5
        lines.append(
            f"| enqueue of 10,000 shops < 5 s | {r.enqueue.shops:,} shops in "
            f"{r.enqueue.seconds:.2f} s | {_mark(ok)} |"
        )
    if r.upserts:
        lines.append(
            f"| batched upserts >= 10x naive | {r.upserts.speedup:.1f}x | "
            f"{_mark(r.upserts.speedup >= 10)} |"
        )
    if r.cold_start:
        worst = max(r.cold_start.import_ms.values(), default=0.0)
        lines.append(f"| handler import < 300 ms | slowest {worst:.0f} ms | {_mark(worst < 300)} |")
    return "\n".join(lines) + "\n"
