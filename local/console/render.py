"""Human renderings of admin replies (rich tables; colour only on a terminal).

Works on the JSON reply, so a reply from the admin Lambda renders exactly like a local
one. Times: UTC, and the shop's own zone where a shop is concerned. Never a token (the
replies carry none).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from adsync.regions import UnknownRegionError, region_timezone

Reply = dict[str, Any]
HISTOGRAM_WIDTH = 30
# A shop's today's daily rows in realtime (shops.sql daily_rows; docs/operations.md).
DAILY_ROWS = {
    "from_hours": "from hours",
    "differed": "asked: Shopee's differed",
    "unchecked": "asked: not checked yet",
}


def age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def utc(text: str | None) -> str:
    if not text:
        return "-"
    return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M UTC")


def shop_time(text: str | None, region: str) -> str:
    """The shop's local time, then UTC: `2026-11-20 12:30 +07 (05:30 UTC)`."""
    if not text:
        return "-"
    moment = datetime.fromisoformat(text)
    try:
        local = moment.astimezone(region_timezone(region))
    except UnknownRegionError:
        return utc(text)
    offset = local.strftime("%z")[:3]
    return f"{local:%Y-%m-%d %H:%M} {offset} ({moment:%H:%M} UTC)"


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column)
    return table


def _dead_letters(queue: Reply) -> str:
    """The DLQ's depth, red when not 0 (dead_letter should empty it within seconds)."""
    visible, in_flight = queue["dead_letter_visible"], queue["dead_letter_in_flight"]
    if visible is None:
        return "-"
    held = f" (+{in_flight} in flight)" if in_flight else ""
    return f"[red]{visible}{held}[/red]" if visible or in_flight else f"0{held}"


def _status(console: Console, result: Reply) -> None:
    console.print(f"[bold]Fleet at {utc(result['now'])}[/bold]")
    queues = _table(
        "Queues",
        "priority",
        "visible",
        "in flight",
        "delayed",
        "waiting jobs",
        "unsent",
        "oldest waiting",
        "DLQ",
    )
    for q in result["queues"]:
        queues.add_row(
            f"{q['priority']} {q['label']}",
            _cell(q["visible"]),
            _cell(q["in_flight"]),
            _cell(q["delayed"]),
            str(q["waiting_jobs"]),
            str(q["unsent_jobs"]),
            age(q["oldest_waiting_seconds"]),
            _dead_letters(q),
        )
    console.print(queues)
    if result["queue_error"]:
        console.print(f"[yellow]queues: {result['queue_error']}[/yellow]")
    statuses = ("pending", "processing", "completed", "failed")
    jobs = _table("Jobs", "sync type", *statuses)
    by_type: dict[str, dict[str, int]] = {}
    for row in result["jobs"]:
        by_type.setdefault(row["sync_type"], {})[row["status"]] = row["count"]
    for sync_type, counts in sorted(by_type.items()):
        jobs.add_row(sync_type, *(str(counts.get(s, 0)) for s in statuses))
    console.print(jobs)
    style = "red" if result["stuck_jobs"] else "green"
    console.print(
        f"[{style}]stuck jobs (lease expired): {result['stuck_jobs']}[/{style}]"
        + ("  -> adsync reset-stuck" if result["stuck_jobs"] else "")
    )
    for job in result["stuck"]:
        console.print(
            f"  job {job['id']} shop {job['shop_id']} {job['sync_type']} "
            f"lease expired {utc(job['lease_expires_at'])}"
        )
    _budget(console, result["budget"])
    _freshness(console, result["freshness"])
    _totals(console, result["totals"])
    _authorizations(console, result["authorizations"])


def _totals(console: Console, t: Reply) -> None:
    title = f"Totals vs sum of parts, beyond rounding, days since {t['since_day']}"
    if not t["differences"]:
        console.print(f"[green]{title}: none[/green]")
        return
    table = _table(
        title, "comparison", "metric", "region", "shop-days", "shops", "total difference"
    )
    for d in t["differences"]:
        table.add_row(
            d["comparison"], d["metric"], d["region"], str(d["shop_days"]), str(d["shops"]),
            d["total_difference"],
        )  # fmt: skip
    console.print(table)
    console.print("  expected differences: docs/operations.md, 'Totals that reconcile'")


def _authorizations(console: Console, a: Reply) -> None:
    """Shops whose authorization ends within the warning window, with the way to renew."""
    if not a["shops"]:
        console.print(f"[green]no authorization ends within {a['window_days']} days[/green]")
        return
    console.print(
        f"[yellow]authorizations ending within {a['window_days']} days: {len(a['shops'])}[/yellow]"
    )
    for s in a["shops"]:
        main = f", main account {s['main_account_id']}" if s["main_account_id"] else ""
        console.print(
            f"  shop {s['shop_id']} {_cell(s['shop_name'])} ({s['region']}{main}): "
            f"{s['warning']} ({utc(s['expires_at'])})",
            markup=False,
        )
        if s["reauthorize_url"]:
            console.print("    re-authorization link (valid 5 minutes):", markup=False)
            console.print(f"    {s['reauthorize_url']}", soft_wrap=True, markup=False)
    if not all(s["reauthorize_url"] for s in a["shops"]):
        console.print(f"  re-authorize: {a['how_to_reauthorize']}", markup=False)


def _freshness(console: Console, f: Reply) -> None:
    console.print(
        f"[bold]Data freshness[/bold] ({f['active_shops']} active shops, "
        f"{f['never_synced']} never synced): p50 {age(f['p50_seconds'])}, "
        f"p95 {age(f['p95_seconds'])}, max {age(f['max_seconds'])}"
    )
    unchecked = f["active_shops"] - f["daily_from_hours"] - f["daily_disagreed"]
    console.print(
        f"  today's daily rows: from their hours {f['daily_from_hours']}; asked "
        f"{f['daily_disagreed'] + unchecked} (Shopee's differed {f['daily_disagreed']}, "
        f"not checked yet {unchecked})"
    )
    widest = max((b["shops"] for b in f["histogram"]), default=0) or 1
    for bucket in f["histogram"]:
        low, high = bucket["min_seconds"], bucket["max_seconds"]
        label = f"{age(low)}-{age(high)}" if high is not None else f">= {age(low)}"
        bar = "█" * round(bucket["shops"] / widest * HISTOGRAM_WIDTH)
        console.print(f"  {label:>13} {bar} {bucket['shops']}")
    if f["stalest"]:
        stale = _table("Stalest shops", "shop", "region", "last sync (shop time)", "age")
        for s in f["stalest"]:
            last = shop_time(s["last_synced_at"], s["region"]) if s["last_synced_at"] else "never"
            stale.add_row(str(s["shop_id"]), s["region"], last, age(s["age_seconds"]))
        console.print(stale)


def _budget(console: Console, result: Reply) -> None:
    rate = result["configured_rate_per_second"]
    if not result["budgets"]:  # an empty table would only say nothing
        console.print(
            "request budget: none yet (created by the first Shopee call)"
            if rate
            else "request budget: none (PARTNER_REQUESTS_PER_SECOND is not set: Shopee "
            "calls are not paced)"
        )
        return
    budgets = _table(
        f"Request budget (configured {rate or 'none'}/s)",
        "name",
        "rate/s",
        "paused until",
        "throttle strikes",
        "last throttle",
    )
    for b in result["budgets"]:
        budgets.add_row(
            b["name"],
            f"{b['rate_per_second']:g}",
            utc(b["paused_until"]),
            str(b["strikes"]),
            utc(b["last_pause_at"]),
        )
    console.print(budgets)


def _progress(p: Reply | None) -> str:
    if not p:
        return "-"
    return f"{p['phase'] or '-'} {p['steps']} steps {p['calls']} calls"


def _jobs(console: Console, result: Reply) -> None:
    table = _table(
        "Jobs", "id", "shop", "type", "prio", "status", "tries", "created", "progress", "error"
    )
    for j in result["jobs"]:
        error = (j["error_message"] or "")[:60]
        table.add_row(
            str(j["id"]),
            str(j["shop_id"]),
            j["sync_type"],
            str(j["priority"]),
            j["status"],
            f"{j['retry_count']}/{j['max_retries']}",
            utc(j["created_at"]),
            _progress(j["progress"]),
            error,
        )
    console.print(table)
    console.print(f"{len(result['jobs'])} job(s) (newest first, at most {result['limit']})")


def _job(console: Console, j: Reply) -> None:
    table = _table(f"Job {j['id']}", "field", "value")
    for key, value in j.items():
        if key == "progress":
            value = _progress(value)
            if j["progress"]:
                value += f" {j['progress']['rows']} rows, days {j['progress']['start_day']}"
                value += f"..{j['progress']['end_day']}, runs {j['progress']['runs']}"
        elif isinstance(value, str) and key.endswith("_at"):
            value = utc(value)
        table.add_row(key, _cell(value))
    console.print(table)


def _redispatch(console: Console, r: Reply) -> None:
    console.print(
        f"{len(r['job_ids'])} job(s) back to pending (of {r['matched']} matched); "
        f"{r['sent']} sent now, {r['left_for_reconcile']} left to the reconciler"
    )
    if r["job_ids"]:
        console.print("jobs: " + ", ".join(str(i) for i in r["job_ids"]))


def _sync(console: Console, r: Reply) -> None:
    console.print(
        f"{r['sync_type']} at priority {r['priority']}: {r['enqueued']} job(s) "
        f"recorded for {r['eligible_shops']} shop(s), {r['sent']} sent"
        + (
            f", {r['send_failed']} not sent (the reconciler sends them within a minute)"
            if r["send_failed"]
            else ""
        )
    )
    if r["eligible_shops"] and not r["enqueued"]:
        console.print(
            "[yellow]no new job: the days are after each shop's today, or a live job "
            "already covers each[/yellow]"
        )
    if r["skipped_shops"]:
        console.print(
            "[yellow]not synced (unknown, paused or needing re-authorization): "
            + ", ".join(str(s) for s in r["skipped_shops"])
            + "[/yellow]"
        )


def _shops(console: Console, r: Reply) -> None:
    table = _table(
        "Shops",
        "shop",
        "name",
        "region",
        "status",
        "access token expires",
        "refresh token expires",
        "last sync (shop time)",
        "campaigns",
        "tier",
        "authorization",
        "today's daily rows",
    )
    expiring = {e["shop_id"]: e["warning"] for e in r["authorizations"]["shops"]}
    for s in r["shops"]:
        status = s["status"] if s["has_token"] else f"{s['status']} (no token)"
        ends = s["authorization_expires_at"]
        authorization = expiring.get(s["shop_id"]) or (f"until {ends[:10]}" if ends else "-")
        table.add_row(
            str(s["shop_id"]),
            _cell(s["shop_name"]),
            s["region"],
            status,
            shop_time(s["access_token_expires_at"], s["region"]),
            shop_time(s["refresh_token_expires_at"], s["region"]),
            shop_time(s["last_synced_at"], s["region"]),
            _cell(s["campaign_count"]),
            s["tier"],
            authorization,
            DAILY_ROWS[s["daily_rows"]],
        )
    console.print(table)
    for s in r["shops"]:
        if s["status_reason"]:
            console.print(f"shop {s['shop_id']}: {s['status_reason']}")
    console.print(f"{len(r['shops'])} shop(s)")
    if r["authorizations"]["shops"]:
        _authorizations(console, r["authorizations"])


def _main_authorized(console: Console, r: Reply) -> None:
    console.print(f"main account {r['main_account_id']}: {len(r['shops'])} shop(s) authorized")
    for s in r["shops"]:
        ends = s["authorization_expires_at"]
        console.print(
            f"  shop {s['shop_id']} {_cell(s['shop_name'])} ({s['region']}), authorization "
            f"until {utc(ends) if ends else 'unknown'}",
            markup=False,
        )
    for shop_id, why in r["failed"]:
        console.print(f"[red]  shop {shop_id} not stored: {why}[/red]")
    if r["backfill_jobs"]:
        console.print(f"{r['backfill_jobs']} backfill_full job(s) recorded (priority 3)")


def _tier_change(console: Console, r: Reply) -> None:
    verb = "is now" if r["changed"] else "was already"
    console.print(f"shop {r['shop_id']} {verb} tier {r['tier']}")


def _shop_change(console: Console, r: Reply) -> None:
    verb = "is now" if r["changed"] else "was already"
    console.print(f"shop {r['shop_id']} {verb} {r['status']}")


def _authorized(console: Console, r: Reply) -> None:
    s = r["shop"]
    console.print(
        f"shop {s['shop_id']} ({s['region']}) {s['status']}; access token expires "
        f"{shop_time(s['access_token_expires_at'], s['region'])}"
    )
    if r["backfill_job_id"]:
        console.print(f"backfill_full job {r['backfill_job_id']} recorded (priority 3) and sent")


def _budget_view(console: Console, b: Reply) -> None:
    paused = f"paused until {utc(b['paused_until'])}" if b["paused_until"] else "not paused"
    console.print(f"budget {b['name']}: {b['rate_per_second']:g}/s, {paused}")


RENDERERS: dict[str, Callable[[Console, Reply], None]] = {
    "status": _status,
    "jobs": _jobs,
    "job": _job,
    "retry": _redispatch,
    "reset-stuck": _redispatch,
    "sync": _sync,
    "shops": _shops,
    "shop-pause": _shop_change,
    "shop-resume": _shop_change,
    "auth-url": lambda console, r: console.print(r["url"], soft_wrap=True, highlight=False),
    "authorize": _authorized,
    "authorize-main": _main_authorized,
    "shop-tier": _tier_change,
    "budget": _budget,
    "budget-pause": _budget_view,
    "budget-resume": _budget_view,
}


def _partner(console: Console, p: Reply) -> None:
    rate = f"{p['requests_per_second']:g}/s" if p["requests_per_second"] else "no budget"
    console.print(
        f"partner {p['id']} {p['name']}: {p['shops']} shops, {rate}, key in "
        f"{p['secret_ref']}, {p['base_url']}",
        markup=False,
    )


def _partners(console: Console, r: Reply) -> None:
    if not r["partners"]:
        console.print("no partner apps yet (a deploy adds the default one)")
    for partner in r["partners"]:
        _partner(console, partner)


def _seed_keys(console: Console, r: Reply) -> None:
    if not r["keys"]:
        console.print("no partner key left in seed_archive")
    for key in r["keys"]:
        console.print(
            f"partner {key['partner_id']} ({key['shops']} shops) -> secret "
            f"{key['secret_name']}: {key['status']}; {key['note']}",
            markup=False,
        )


RENDERERS.update(
    {
        "partners": _partners,
        "partner-add": _partner,
        "seed-keys": _seed_keys,
        "shop-partner": lambda console, r: console.print(
            f"shop {r['shop_id']} now syncs under partner {r['partner_id']}"
        ),
    }
)


def render(reply: Reply, *, out: TextIO, err: TextIO) -> None:
    if not reply.get("ok"):
        Console(file=err, highlight=False).print(f"error: {reply.get('error')}", markup=False)
        return
    console = Console(file=out, highlight=False, width=160 if not out.isatty() else None)
    RENDERERS[reply["command"]](console, reply["result"])
