"""Several partner apps (issue 17, part 1): each shop syncs under its own app, with that
app's key and budget; a throttle on one app never slows another; a shop of no known
partner is refused. Real Postgres, the simulator over HTTP, moto's SQS and Secrets Manager.
"""

import json
from datetime import datetime, timedelta

import boto3
import pytest

from adsync.config import load_partner_key
from adsync.db.connection import Database
from adsync.errors import ConfigError
from adsync.services.admin_commands import handle
from adsync.services.budget import CLAIM_SLOTS, RateBudget
from adsync.services.dependencies import Dependencies
from adsync.services.migrations_resource import adopt_default_partner
from local.event_source import REGION
from local.lambda_runtime import LambdaRuntime
from local.simulator import PartnerApp, SimulatorSettings
from local.stack import LocalStack
from tests.support.clock import FrozenClock, LiveClock
from tests.support.sqs import receive_event
from tests.support.sync import drain, jobs

SECOND = 2001888
SECOND_KEY = "5ec0" * 16  # FAKE: a local test key


def _admin(stack: LocalStack, clock: FrozenClock, command: str, **args: object) -> dict:  # type: ignore[type-arg]
    deps = stack.dependencies(clock)
    try:
        return handle({"command": command, "args": args}, deps)
    finally:
        deps.close()


def _shops_of(db: Database, partner_id: int) -> set[int]:
    rows = db.run("SELECT shop_id FROM apishopee_shops WHERE partner_id = :p", p=partner_id)
    return {r["shop_id"] for r in rows}


def _budget(db: Database, partner_id: int) -> dict:  # type: ignore[type-arg]
    row = db.one(
        "SELECT rate_per_second, paused_until, strikes FROM apishopee_rate_budget WHERE name = :n",
        n=f"shopee-partner-{partner_id}",
    )
    assert row is not None, f"no budget row for partner {partner_id}"
    return row


class TestTwoBudgets:
    @pytest.fixture
    def clock(self) -> FrozenClock:
        return LiveClock()  # the budgets' and Shopee's buckets refill in real time

    @pytest.fixture
    def simulator_settings(self) -> SimulatorSettings:
        # Shopee lets the main app make 3 calls a second, the second app 200.
        second = PartnerApp(partner_id=SECOND, partner_key=SECOND_KEY, rate=200.0, burst=200)
        return SimulatorSettings(partner_rate=3.0, partner_burst=3, other_partners=(second,))

    def test_one_app_throttled_the_other_unaffected(
        self, stack: LocalStack, db: Database, clock: FrozenClock
    ) -> None:
        main = stack.simulator.settings.partner_id
        # Different budgets: the main app's is more than Shopee allows it (it gets
        # throttled), the second app's is within its limit.
        for partner_id, rate in ((main, 50.0), (SECOND, 40.0)):
            reply = _admin(
                stack,
                clock,
                "partner-add",
                partner_id=partner_id,
                name=f"app-{partner_id}",
                secret_ref="env:SHOPEE_PARTNER_KEY"
                if partner_id == main
                else f"env:SHOPEE_PARTNER_KEY_{SECOND}",
                base_url=stack.env["SHOPEE_BASE_URL"],
                requests_per_second=rate,
            )
            assert reply["ok"], reply
        stack.seed_tokens()  # shops alternate between the two apps
        main_shops, second_shops = _shops_of(db, main), _shops_of(db, SECOND)
        assert main_shops and second_shops and not main_shops & second_shops

        stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
        drain(stack, priority=1)

        assert stack.simulator.counters.rejected(code="ads.rate_limit.exceed_partner_api") > 0
        throttled, spared = _budget(db, main), _budget(db, SECOND)
        assert (throttled["rate_per_second"], spared["rate_per_second"]) == (50.0, 40.0)
        assert throttled["strikes"] >= 1 and throttled["paused_until"] is not None
        # The second app never paused, and every one of its shops completed at once.
        assert spared["strikes"] == 0 and spared["paused_until"] is None
        rows = jobs(db)
        assert {j["status"] for j in rows if j["shop_id"] in second_shops} == {"completed"}
        assert all(j["retry_count"] == 0 for j in rows)
        # The main app's jobs waited (deferred, no attempt spent), none failed.
        assert {j["status"] for j in rows if j["shop_id"] in main_shops} <= {"completed", "pending"}


def test_a_partner_key_in_secrets_manager_signs_its_shops(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    """The AWS path: the row names a secret; the worker reads the key from it."""
    main = stack.simulator.settings.partner_id
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(
        Name="shopee-ads-sync/partners/main",
        SecretString=json.dumps(
            {"partner_id": main, "partner_key": stack.simulator.settings.partner_key}
        ),
    )["ARN"]
    reply = _admin(
        stack, clock, "partner-add", partner_id=main, name="main", secret_ref=arn,
        base_url=stack.env["SHOPEE_BASE_URL"],
    )  # fmt: skip
    assert reply["ok"], reply
    env = {k: v for k, v in stack.env.items() if k != "SHOPEE_PARTNER_KEY"}  # not from env
    lambdas = stack.lambdas_on(env=env)
    stack.seed_tokens()
    lambdas.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    drain(stack, priority=1, lambdas=lambdas)
    assert {j["status"] for j in jobs(db)} == {"completed"}
    # A secret holding another app's key is refused, not used to sign.
    wrong = secrets.create_secret(
        Name="shopee-ads-sync/partners/wrong",
        SecretString=json.dumps({"partner_id": 99, "partner_key": "x" * 64}),
    )["ARN"]
    with pytest.raises(ConfigError, match="holds the key of partner 99"):
        load_partner_key(partner_id=main, secret_ref=wrong, env={})


def test_a_shop_of_no_known_partner_fails_at_once_with_a_clear_error(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.seed_tokens()
    shop_id = stack.simulator.world.shops[0].shop_id
    db.run("UPDATE apishopee_shops SET partner_id = NULL WHERE shop_id = :s", s=shop_id)
    # No default partner configured: a NULL partner cannot be resolved.
    env = {k: v for k, v in stack.env.items() if not k.startswith("SHOPEE_PARTNER_")}
    lambdas = stack.lambdas_on(env=env)
    lambdas.invoke("enqueue", {"shop_ids": [shop_id], "sync_type": "realtime", "priority": 3})
    drain(stack, priority=3, lambdas=lambdas)
    (job,) = [j for j in jobs(db) if j["shop_id"] == shop_id]
    assert job["status"] == "failed"  # a state, not a retry loop
    assert job["retry_count"] == 1
    assert "belongs to no partner app" in job["error_message"]
    assert stack.simulator.counters.calls_to("/api/v2/ads/get_all_cpc_ads_hourly_performance") == 0


def test_moving_a_shop_to_an_unknown_partner_is_refused_and_changes_nothing(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.seed_tokens()
    shop_id = stack.simulator.world.shops[0].shop_id
    before = _shops_of(db, stack.simulator.settings.partner_id)
    reply = _admin(stack, clock, "shop-partner", shop_id=shop_id, partner_id=4242)
    assert not reply["ok"]
    assert "partner 4242 is not in apishopee_partners" in reply["error"]
    assert _shops_of(db, stack.simulator.settings.partner_id) == before
    # A key is never accepted as a partner argument: only where it lives.
    leak = _admin(
        stack, clock, "partner-add", partner_id=5, name="x", secret_ref="env:K", partner_key="k"
    )
    assert not leak["ok"] and "unknown argument 'partner_key'" in leak["error"]


def test_the_deploy_makes_the_old_single_partner_the_default_one(
    stack: LocalStack, db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shops from before partners (partner_id NULL) go to a partner row made from the
    deployment's partner secret; the row says where the key lives, never the key."""
    settings = stack.simulator.settings
    stack.seed_tokens()
    db.run("UPDATE apishopee_shops SET partner_id = NULL")
    db.run("DELETE FROM apishopee_partners")
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(
        Name="shopee-ads-sync/partner",
        SecretString=json.dumps(
            {"partner_id": settings.partner_id, "partner_key": settings.partner_key}
        ),
    )["ARN"]
    monkeypatch.delenv("SHOPEE_PARTNER_ID")
    monkeypatch.delenv("SHOPEE_PARTNER_KEY")
    monkeypatch.setenv("SHOPEE_PARTNER_SECRET_ARN", arn)
    monkeypatch.setenv("PARTNER_REQUESTS_PER_SECOND", "3")
    adopt_default_partner(db)
    adopt_default_partner(db)  # a second deploy changes nothing
    (row,) = db.run("SELECT * FROM apishopee_partners")
    # Its rate stays the deployment's (PartnerRequestsPerSecond), not a copy of it.
    assert (row["id"], row["secret_ref"], row["requests_per_second"]) == (
        settings.partner_id,
        arn,
        None,
    )
    assert settings.partner_key not in json.dumps(row, default=str)
    unassigned = db.one("SELECT count(*) AS n FROM apishopee_shops WHERE partner_id IS NULL")
    assert unassigned == {"n": 0}


def test_in_aws_a_partner_key_outside_the_readable_prefix_is_refused(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    env = {**stack.env, "PARTNER_SECRET_PREFIX": "shopee-ads-sync/partners/"}
    deps = Dependencies(env=env, clock=clock, sqs=stack.sqs)
    arn = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:"
    try:
        base = {"command": "partner-add"}
        args = {"partner_id": 7, "name": "agency-b"}
        outside = handle({**base, "args": {**args, "secret_ref": f"{arn}other/key-AbC123"}}, deps)
        assert not outside["ok"] and "outside shopee-ads-sync/partners/" in outside["error"]
        local = handle({**base, "args": {**args, "secret_ref": "env:SHOPEE_PARTNER_KEY"}}, deps)
        assert not local["ok"] and "env: references are for local runs" in local["error"]
        assert db.one("SELECT 1 AS x FROM apishopee_partners WHERE id = 7") is None
        inside = f"{arn}shopee-ads-sync/partners/agency-b-AbC123"
        added = handle({**base, "args": {**args, "secret_ref": inside}}, deps)
        assert added["ok"], added
        assert added["result"]["secret_ref"] == inside and added["result"]["shops"] == 0
    finally:
        deps.close()


def test_an_edited_partner_is_picked_up_without_a_deploy(
    stack: LocalStack, clock: FrozenClock
) -> None:
    """A container rebuilds a partner's client (its key read again) after KEY_MAX_AGE,
    so `partner-add` on a live app, or a rotated key, needs no redeploy."""
    main = stack.simulator.settings.partner_id
    stack.seed_tokens()
    deps = stack.dependencies(clock)
    try:
        first = deps.partner_apis.for_partner(main)
        assert first.budget is None  # registered without a budget of our own
        assert deps.partner_apis.for_partner(main) is first  # one client per container
        reply = handle(
            {
                "command": "partner-add",
                "args": {
                    "partner_id": main,
                    "name": "main",
                    "secret_ref": "env:SHOPEE_PARTNER_KEY",
                    "base_url": stack.env["SHOPEE_BASE_URL"],
                    "requests_per_second": 7,
                },
            },
            deps,
        )
        assert reply["ok"], reply
        clock.advance(timedelta(minutes=4))
        assert deps.partner_apis.for_partner(main) is first
        clock.advance(timedelta(minutes=2))
        rebuilt = deps.partner_apis.for_partner(main)
        assert rebuilt is not first and rebuilt.budget is not None
    finally:
        deps.close()


def test_a_partner_key_given_as_its_own_reference_is_refused(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    key = stack.simulator.settings.partner_key
    reply = _admin(stack, clock, "partner-add", partner_id=8, name="oops", secret_ref=key)
    assert not reply["ok"] and "looks like a partner key itself" in reply["error"]
    assert key not in reply["error"]  # not echoed back either
    assert db.one("SELECT 1 AS x FROM apishopee_partners WHERE id = 8") is None


class TestTheClaimReservesFromTheShopsOwnApp:
    """The slots a claim reserves come from the budget of the claimed shop's own app,
    handed to the container's RateBudget of that app: a shop of the second app spends
    none of the default app's budget, and its one-call job costs its claim and its
    commit, once the container has built that app."""

    @pytest.fixture
    def clock(self) -> FrozenClock:
        return LiveClock()  # the budgets hand out slots in real time

    @pytest.fixture
    def simulator_settings(self) -> SimulatorSettings:
        return SimulatorSettings(
            other_partners=(PartnerApp(partner_id=SECOND, partner_key=SECOND_KEY),)
        )

    def _second_shop_synced_once(
        self, stack: LocalStack, db: Database, env: dict[str, str], clock: FrozenClock
    ) -> int:
        lambdas = stack.lambdas_on(env=env, clock=clock)
        stack.seed_tokens()
        shop_id = min(_shops_of(db, SECOND))
        event = {"shop_ids": [shop_id], "sync_type": "realtime", "priority": 3}
        lambdas.invoke("enqueue", event)
        drain(stack, priority=3, lambdas=lambdas)  # synced once: the next finds nothing new
        lambdas.invoke("enqueue", event)
        return shop_id

    def _container(
        self, stack: LocalStack, db: Database, clock: FrozenClock, *more: int
    ) -> tuple[Dependencies, list[RateBudget]]:
        """With the second app's shop synced once, a fresh container that has built the
        default app and `more`, each budget's row known and no spare slot."""
        env = {**stack.env, "PARTNER_REQUESTS_PER_SECOND": "10"}
        self._second_shop_synced_once(stack, db, env, clock)
        deps = Dependencies(env=env, clock=clock, sqs=stack.sqs)
        budgets = []
        for partner_id in (stack.simulator.settings.partner_id, *more):
            budget = deps.partner_apis.for_partner(partner_id).budget
            assert budget is not None
            budget.acquire()
            budgets.append(budget)
        return deps, budgets

    def test_a_one_call_job_of_the_second_app_costs_two_round_trips(
        self, stack: LocalStack, db: Database, clock: FrozenClock
    ) -> None:
        # A fresh container that has built both apps; neither budget holds a spare slot.
        deps, (main, second) = self._container(stack, db, clock, SECOND)
        assert main is not second
        slots_before = _next_slots(db)
        event = receive_event(stack, 3, max_messages=1)
        calls_before = sum(stack.simulator.counters.calls.values())
        statements_before = deps.db.statements()

        with LambdaRuntime(lambda: deps) as container:  # closes deps
            assert container.invoke("worker", event) == {"batchItemFailures": []}
            statements = deps.db.statements() - statements_before

        assert sum(stack.simulator.counters.calls.values()) - calls_before == 1
        assert statements == 2  # the claim and the commit
        slots_after = _next_slots(db)
        # The default app's budget gave nothing; the second app's gave the claim's slots,
        # and its RateBudget holds the one the job did not need.
        assert slots_after[main.name] == slots_before[main.name]
        assert slots_after[second.name] > slots_before[second.name]
        assert (main.slots_to_claim(), second.slots_to_claim()) == (CLAIM_SLOTS, 0)
        assert {j["status"] for j in jobs(db)} == {"completed"}

    def test_an_app_the_container_has_not_built_gets_no_slots_with_the_claim(
        self, stack: LocalStack, db: Database, clock: FrozenClock
    ) -> None:
        deps, (main,) = self._container(stack, db, clock)  # the second app not built
        slots_before = _next_slots(db)

        with LambdaRuntime(lambda: deps) as container:  # closes deps
            event = receive_event(stack, 3, max_messages=1)
            assert container.invoke("worker", event) == {"batchItemFailures": []}

        # The default app's budget is not spent on a shop of another app.
        assert _next_slots(db)[main.name] == slots_before[main.name]
        assert main.slots_to_claim() == CLAIM_SLOTS
        assert {j["status"] for j in jobs(db)} == {"completed"}


def _next_slots(db: Database) -> dict[str, datetime]:
    rows = db.run("SELECT name, next_slot_at FROM apishopee_rate_budget")
    return {r["name"]: r["next_slot_at"] for r in rows}
