"""The `adsync` command line: arguments -> an admin request -> a backend -> a rendering.

The request is exactly what the admin Lambda takes (`{"command", "args"}`), so
`--json` prints the same reply here and through `--stack`.
"""

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from adsync.clock import Clock, utc_now
from adsync.jobs import JobStatus, SyncType
from adsync.regions import TIME_ZONES
from adsync.tiers import Tier
from local.console.backends import (
    Backend,
    ConsoleError,
    LocalBackend,
    RemoteBackend,
    local_database_url,
    local_dependencies,
)
from local.console.render import render

EXAMPLES = """\
examples:
  adsync status                                  queues, jobs, stuck jobs, budget, freshness
  adsync jobs --status failed --since 2h         what failed in the last two hours, and why
  adsync job 4711                                one job: error, cursor (phase, steps, calls)
  adsync retry --error timeout --since 1h        redrive failed jobs (after the DLQ drained)
  adsync retry --all                             every failed job
  adsync reset-stuck                             processing jobs whose Lambda died
  adsync sync --shop 123 --priority 3            sync one shop now (realtime)
  adsync sync --all --lookback 7                 re-sync the attribution window of every shop
  adsync sync --shop 123 --backfill 2026-11-01 2026-11-07   one job per shop-local day
  adsync shops --needs-reauth                    shops the seller must authorize again
  adsync shops auth-url --redirect https://your.site/cb
  adsync shops authorize --shop-id 123 --region VN --code CODE
  adsync shops authorize --main-account-id 9001 --code CODE   every shop of a main account
  adsync shops tier 123 critical                 critical | normal | off_peak, lasting
  adsync shops pause 123 / adsync shops resume 123
  adsync budget pause --minutes 30 / adsync budget resume
  adsync --stack shopee-ads-sync status          the same, on a deployed stack (admin Lambda)
  adsync --json status                           the reply as JSON (shape: docs/operations.md)

Locally the console reads the database `adsync_local` on DATABASE_URL's server (else the
embedded one), where `make run` leaves its fleet; --database-url picks another database.
"""

LOCAL_WORKERS_HINT = (
    "locally no worker runs between runs: these jobs run when `python -m local run` next "
    "runs on this database (`make run` for adsync_local); it resumes them"
)

_RELATIVE = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}

LOOKBACK_PRIORITY = 2  # the scheduled lookback's queue (template.yaml, events/)
SYNC_NOW_PRIORITY = 3  # an operator's "sync now": the critical queue
PARTNER_HELP = "the partner app the seller authorizes (its partner_id; default: the stack's)"


def _when(clock: Clock) -> Callable[[str], str]:
    """`30m`, `2h`, `1d` ago, or an ISO time (UTC unless it says otherwise)."""

    def parse(text: str) -> str:
        match = _RELATIVE.match(text.strip())
        if match:
            moment = clock() - timedelta(**{_UNITS[match[2]]: int(match[1])})
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"{text!r}: use 30m, 2h, 1d or an ISO time"
                ) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()

    return parse


def _common(*, on_command: bool) -> argparse.ArgumentParser:
    """Options taken before or after the command; after it they must not reset what was
    given before (hence no defaults there)."""
    kwargs: dict[str, Any] = {"default": argparse.SUPPRESS} if on_command else {}
    common = argparse.ArgumentParser(add_help=False)
    target = common.add_argument_group("where (default: this machine)")
    target.add_argument("--stack", help="a deployed stack: run in its admin Lambda", **kwargs)
    target.add_argument("--function", help="the admin function (skips the stack lookup)", **kwargs)
    target.add_argument("--profile", help="AWS profile (default: the usual chain)", **kwargs)
    target.add_argument(
        "--aws-region", help="AWS region (default: AWS_REGION, the profile)", **kwargs
    )
    target.add_argument("--database-url", help="local: this database, not adsync_local", **kwargs)
    target.add_argument(
        "--database",
        help="local: this database on the local server, not adsync_local "
        "(adsync_shopee: where `python -m local run --shopee-url` works)",
        **kwargs,
    )
    flag: dict[str, Any] = {"default": argparse.SUPPRESS} if on_command else {"default": False}
    common.add_argument("--json", action="store_true", help="print the reply as JSON", **flag)
    return common


def _parser(clock: Clock) -> argparse.ArgumentParser:
    common, sub_common = _common(on_command=False), _common(on_command=True)
    parser = argparse.ArgumentParser(
        prog="adsync",
        description="Operator console for Shopee Ads Sync: see, fix and steer the fleet.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, parents=[sub_common])

    when = _when(clock)
    command("status", "queues, jobs, stuck jobs, request budget, data freshness")
    jobs = command("jobs", "list jobs, newest first")
    jobs.add_argument("--status", choices=[s.value for s in JobStatus])
    jobs.add_argument("--shop", type=int, dest="shop_id")
    jobs.add_argument("--type", choices=[t.value for t in SyncType], dest="sync_type")
    jobs.add_argument("--since", type=when, help="created since: 30m, 2h, 1d or an ISO time")
    jobs.add_argument("--limit", type=int, default=50)
    job = command("job", "one job in full")
    job.add_argument("job_id", type=int)
    retry = command("retry", "re-dispatch failed jobs (reset to pending, sent again)")
    retry.add_argument("--job", type=int, action="append", dest="job_ids", metavar="ID")
    retry.add_argument("--shop", type=int, dest="shop_id")
    retry.add_argument("--error", help="only jobs whose error contains this text")
    retry.add_argument("--since", type=when, help="failed since: 30m, 2h, 1d or an ISO time")
    retry.add_argument("--all", action="store_true", help="every failed job (no filter)")
    stuck = command("reset-stuck", "give processing jobs whose lease expired back to the queue")
    stuck.add_argument("--shop", type=int, dest="shop_id")
    stuck.add_argument("--grace", type=int, dest="grace_minutes", metavar="MINUTES")
    sync = command("sync", "sync shops now")
    which = sync.add_mutually_exclusive_group(required=True)
    which.add_argument("--shop", type=int, action="append", dest="shop_ids", metavar="ID")
    which.add_argument("--all", action="store_true", help="every active shop")
    sync.add_argument(
        "--priority",
        type=int,
        choices=(0, 1, 2, 3),
        help=f"queue (default: {LOOKBACK_PRIORITY} for --lookback, the lookback's own queue, "
        f"so a fleet-wide re-read cannot starve realtime; else {SYNC_NOW_PRIORITY})",
    )
    kind = sync.add_mutually_exclusive_group()
    kind.add_argument("--realtime", action="store_true", help="today (the default)")
    kind.add_argument(
        "--lookback", type=int, metavar="DAYS", help="yesterday and the DAYS days before it"
    )
    kind.add_argument("--days-ago", type=int, metavar="N", help="one day, N days ago")
    kind.add_argument(
        "--backfill", nargs="+", metavar="DAY", help="FROM [TO] (YYYY-MM-DD, shop-local days)"
    )
    shops = command("shops", "list shops; pause, resume, authorize")
    shops.add_argument("--needs-reauth", action="store_true", help="only those to re-authorize")
    actions = shops.add_subparsers(dest="shops_action", metavar="ACTION")
    for verb, text in (("pause", "stop syncing a shop"), ("resume", "sync a paused shop again")):
        action = actions.add_parser(verb, help=text, parents=[sub_common])
        action.add_argument("shop_id", type=int)
    tier = actions.add_parser(
        "tier", help="a lasting priority and cadence for a shop", parents=[sub_common]
    )
    tier.add_argument("shop_id", type=int)
    tier.add_argument("tier", choices=[t.value for t in Tier])
    link = actions.add_parser(
        "auth-url", help="the seller's authorization link", parents=[sub_common]
    )
    link.add_argument("--redirect", required=True)
    link.add_argument("--partner", type=int, dest="partner_id", help=PARTNER_HELP)
    auth = actions.add_parser(
        "authorize", help="exchange the redirect's code for tokens", parents=[sub_common]
    )
    who = auth.add_mutually_exclusive_group(required=True)
    who.add_argument("--shop-id", type=int, help="the redirect's shop_id (a shop account)")
    who.add_argument(
        "--main-account-id", type=int, help="the redirect's main_account_id (all its shops)"
    )
    auth.add_argument(
        "--region",
        type=str.upper,
        choices=sorted(TIME_ZONES),
        help="with --shop-id (a main account's shops say their own)",
    )
    auth.add_argument("--code", required=True)
    auth.add_argument("--name", dest="shop_name")
    auth.add_argument("--no-backfill", action="store_true")
    auth.add_argument("--partner", type=int, dest="partner_id", help=PARTNER_HELP)
    budget = command("budget", "show, pause or resume the partner request budget")
    budget_actions = budget.add_subparsers(dest="budget_action", metavar="ACTION")
    pause = budget_actions.add_parser(
        "pause", help="no Shopee calls for a while", parents=[sub_common]
    )
    pause.add_argument("--minutes", type=int, required=True)
    pause.add_argument("--name", help="the budget (when there are several partner apps)")
    resume = budget_actions.add_parser("resume", help="end a pause", parents=[sub_common])
    resume.add_argument("--name")
    _partner_commands(command, sub_common)
    return parser


def _queued_jobs(reply: dict[str, Any]) -> bool:
    """The command made jobs pending (locally no worker runs them until the next run)."""
    result = reply.get("result") if reply.get("ok") else None
    if not isinstance(result, dict):
        return False
    command = reply.get("command")
    if command == "sync":
        return bool(result.get("enqueued"))
    if command in ("retry", "reset-stuck"):
        return bool(result.get("matched"))
    return command == "authorize" and bool(result.get("backfill_job_id"))


def _partner_commands(
    command: Callable[[str, str], argparse.ArgumentParser], sub_common: argparse.ArgumentParser
) -> None:
    partners = command("partners", "list partner apps; add one, move a shop to one")
    actions = partners.add_subparsers(dest="partners_action", metavar="ACTION")
    add = actions.add_parser(
        "add", help="add or change a partner app (no redeploy)", parents=[sub_common]
    )
    add.add_argument("--id", type=int, required=True, dest="partner_id", help="Shopee partner_id")
    add.add_argument("--name", required=True)
    add.add_argument(
        "--secret-ref",
        required=True,
        help="where its key lives: a Secrets Manager ARN or name, or env:NAME locally",
    )
    add.add_argument("--base-url")
    add.add_argument("--rps", type=float, dest="requests_per_second", help="its request budget")
    assign = actions.add_parser("assign", help="move a shop to a partner app", parents=[sub_common])
    assign.add_argument("--shop", type=int, required=True, dest="shop_id")
    assign.add_argument("--partner", type=int, required=True, dest="partner_id")
    seed = actions.add_parser(
        "seed-keys",
        help="the seed's per-shop partner keys: where they go; --move moves them",
        parents=[sub_common],
    )
    seed.add_argument("--move", action="store_true", help="into Secrets Manager, then erase")


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) not in (None, False)}


def build_request(args: argparse.Namespace) -> dict[str, Any]:
    """The admin event for parsed arguments (what `sam remote invoke` would send)."""
    name: str = args.command
    if name == "jobs":
        return {
            "command": name,
            "args": _given(args, "status", "shop_id", "sync_type", "since", "limit"),
        }
    if name == "job":
        return {"command": name, "args": {"job_id": args.job_id}}
    if name == "retry":
        return {
            "command": name,
            "args": _given(args, "job_ids", "shop_id", "error", "since", "all"),
        }
    if name == "reset-stuck":
        return {"command": name, "args": _given(args, "shop_id", "grace_minutes")}
    if name == "sync":
        return {"command": name, "args": _sync_args(args)}
    if name == "shops":
        action = args.shops_action
        if action in ("pause", "resume"):
            return {"command": f"shop-{action}", "args": {"shop_id": args.shop_id}}
        if action == "auth-url":
            return {"command": "auth-url", "args": _given(args, "redirect", "partner_id")}
        if action == "tier":
            return {"command": "shop-tier", "args": {"shop_id": args.shop_id, "tier": args.tier}}
        if action == "authorize" and args.main_account_id is not None:
            given = _given(args, "main_account_id", "code", "partner_id")
            return {
                "command": "authorize-main",
                "args": {**given, "backfill": not args.no_backfill},
            }
        if action == "authorize":
            given = _given(args, "shop_id", "region", "code", "shop_name", "partner_id")
            return {"command": "authorize", "args": {**given, "backfill": not args.no_backfill}}
        return {"command": "shops", "args": _given(args, "needs_reauth")}
    if name == "budget":
        action = args.budget_action
        if action == "pause":
            return {"command": "budget-pause", "args": _given(args, "minutes", "name")}
        if action == "resume":
            return {"command": "budget-resume", "args": _given(args, "name")}
        return {"command": "budget", "args": {}}
    if name == "partners":
        action = args.partners_action
        if action == "add":
            given = _given(
                args, "partner_id", "name", "secret_ref", "base_url", "requests_per_second"
            )
            return {"command": "partner-add", "args": given}
        if action == "assign":
            return {"command": "shop-partner", "args": _given(args, "shop_id", "partner_id")}
        if action == "seed-keys":
            return {"command": "seed-keys", "args": _given(args, "move")}
    return {"command": name, "args": {}}


def _sync_args(args: argparse.Namespace) -> dict[str, Any]:
    priority = args.priority
    if priority is None:
        priority = LOOKBACK_PRIORITY if args.lookback is not None else SYNC_NOW_PRIORITY
    request: dict[str, Any] = {"priority": priority}
    request.update(_given(args, "shop_ids", "all"))
    if args.lookback is not None:
        request.update(sync_type=SyncType.LOOKBACK.value, window_days=args.lookback)
    elif args.days_ago is not None:
        request.update(sync_type=SyncType.BACKFILL_DAY.value, days_ago=args.days_ago)
    elif args.backfill:
        first, *rest = args.backfill
        request.update(start_day=first, end_day=rest[-1] if rest else first)
    else:
        request["sync_type"] = SyncType.REALTIME.value
    return request


def _backend(args: argparse.Namespace, clock: Clock) -> Backend:
    if args.stack or args.function:
        return RemoteBackend.for_stack(
            args.stack or "",
            profile=args.profile,
            region=args.aws_region,
            function_name=args.function,
        )
    url = local_database_url(args.database_url, args.database)
    return LocalBackend(lambda: local_dependencies(url, clock))


def main(
    argv: list[str] | None = None,
    *,
    backend: Backend | None = None,
    clock: Clock = utc_now,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run one console command; 0 when it succeeded, 1 when it was refused or failed."""
    out, err = out or sys.stdout, err or sys.stderr
    args = _parser(clock).parse_args(argv)
    request = build_request(args)
    try:
        chosen = backend or _backend(args, clock)
        try:
            reply = chosen.call(request)
        finally:
            chosen.close()
    except ConsoleError as exc:
        print(f"error: {exc}", file=err)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
    if args.json:
        print(json.dumps(reply, indent=2, sort_keys=True), file=out)
    else:
        render(reply, out=out, err=err)
        if isinstance(chosen, LocalBackend) and _queued_jobs(reply):
            print(LOCAL_WORKERS_HINT, file=err)
    return 0 if reply.get("ok") else 1
