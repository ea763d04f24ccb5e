"""Authorization expiry (issue 17 part 3, shopee-ads-api.md §3.4): each shop's
authorization end is recorded from get_shop_info, warned about ahead of time (a metric,
status and shops with "expires in N days" and the re-authorization link), and the shop
keeps syncing until its last moment. Real Postgres, moto's SQS, the simulator over HTTP
(whose authorizations here last 10 days), the real handlers, a frozen clock."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from adsync.db.connection import Database
from adsync.observability import metrics
from adsync.services import admin_commands
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_shop
from local.simulator import PartnerApp, SimulatorSettings
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.console import console_runner
from tests.support.sync import drain, jobs

INFO = "/api/v2/shop/get_shop_info"
REDIRECT = "https://agency.example/shopee/callback"


@pytest.fixture
def simulator_settings() -> SimulatorSettings:
    # The seller authorized the app 355 days ago, as far as the warning is concerned.
    return SimulatorSettings(authorization_ttl=timedelta(days=10))


def _onboard(stack: LocalStack, clock: FrozenClock) -> int:
    shop = stack.simulator.world.shops[0]
    deps = Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)
    try:
        onboard_shop(
            deps,
            shop_id=shop.shop_id,
            region=shop.region,
            code=stack.simulator.authorize(shop.shop_id),
        )
    finally:
        deps.close()
    return shop.shop_id


def _emitted(stdout: str, name: str) -> list[float]:
    """Values of one metric in the EMF documents a handler printed."""
    values: list[float] = []
    for line in stdout.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document and name in document:
            value = document[name]
            values.extend(float(v) for v in (value if isinstance(value, list) else [value]))
    return values


def test_a_shop_10_days_from_its_authorization_expiry_warns_in_status_and_metric(
    stack: LocalStack,
    db: Database,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shop_id = _onboard(stack, clock)
    row = db.one(
        "SELECT authorization_expires_at, authorization_checked_at, shop_name "
        "FROM apishopee_shops WHERE shop_id = :s",
        s=shop_id,
    )
    assert row == {
        "authorization_expires_at": clock() + timedelta(days=10),
        "authorization_checked_at": clock(),
        "shop_name": stack.simulator.world.shop_name(shop_id),  # from get_shop_info
    }

    # The metric: every reconcile pass reports the shops inside the warning window.
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics.clear_metrics()  # what earlier tests added with metrics disabled
    capsys.readouterr()
    reply = stack.invoke("maintenance", {"task": "reconcile"})
    assert reply["expiring_authorizations"] == 1
    assert _emitted(capsys.readouterr().out, "ShopsAuthorizationExpiring") == [1.0]
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")

    # Status (the admin command the console and the admin Lambda run).
    deps = Dependencies(env={**stack.env, "AUTH_REDIRECT_URL": REDIRECT}, clock=clock)
    try:
        status = admin_commands.handle({"command": "status"}, deps)
    finally:
        deps.close()
    warnings = status["result"]["authorizations"]
    (shop,) = warnings["shops"]
    assert (shop["shop_id"], shop["days_left"], shop["warning"]) == (
        shop_id,
        10,
        "expires in 10 days",
    )
    link = urlparse(shop["reauthorize_url"])
    assert link.path == "/api/v2/shop/auth_partner"
    assert parse_qs(link.query)["redirect"] == [REDIRECT]

    # The console's text, status and shops list alike.
    run = console_runner("direct", stack, clock)
    text = run("status")
    assert text.code == 0
    assert f"shop {shop_id}" in text.out and "expires in 10 days" in text.out
    assert "adsync shops auth-url" in text.out  # no AUTH_REDIRECT_URL here: how to get one
    listed = run("shops")
    assert listed.code == 0 and "expires in 10 days" in listed.out


def test_an_expiring_shop_keeps_syncing_until_its_last_moment(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_id = _onboard(stack, clock)
    calls_before = stack.simulator.counters.calls_to(INFO)

    # Nine days and 23 hours later: the last hour of the authorization.
    clock.advance(timedelta(days=9, hours=23))
    assert stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})["enqueued"] == 1
    drain(stack, priority=1)
    assert [j["status"] for j in jobs(db)] == ["completed"]
    # Inside the warning window the expiry is asked again, once a day at most.
    assert stack.simulator.counters.calls_to(INFO) == calls_before + 1
    clock.advance(timedelta(minutes=15))
    assert stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})["enqueued"] == 1
    drain(stack, priority=1)
    assert [j["status"] for j in jobs(db)] == ["completed", "completed"]
    assert stack.simulator.counters.calls_to(INFO) == calls_before + 1

    # Past the end nothing can refresh the tokens: the shop is no longer enqueued, and
    # status says so.
    clock.advance(timedelta(hours=1))
    reply = stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    assert (reply["eligible_shops"], reply["enqueued"]) == (0, 0)
    deps = Dependencies(env=stack.env, clock=clock)
    try:
        status = admin_commands.handle({"command": "status"}, deps)
    finally:
        deps.close()
    (shop,) = status["result"]["authorizations"]["shops"]
    assert (shop["shop_id"], shop["warning"]) == (shop_id, "expired")


def test_far_from_expiry_the_authorization_is_asked_again_only_weekly(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    stack.seed_tokens()  # as if onboarded a while ago: expiry known, checked now
    db.run(
        "UPDATE apishopee_shops SET authorization_expires_at = :e",
        e=clock() + timedelta(days=200),
    )
    first = stack.simulator.world.shops[0].shop_id
    calls = stack.simulator.counters.calls_to(INFO)
    sync = {"sync_type": "realtime", "priority": 1, "shop_ids": [first]}
    stack.invoke("enqueue", sync)
    drain(stack, priority=1)
    assert stack.simulator.counters.calls_to(INFO) == calls  # checked at onboarding

    clock.advance(timedelta(days=7))
    stack.invoke("enqueue", sync)
    drain(stack, priority=1)
    assert stack.simulator.counters.calls_to(INFO) == calls + 1
    # The simulator's own expiry (10 days from the seeding) replaces the stale one.
    row = db.one(
        "SELECT authorization_expires_at, authorization_checked_at FROM apishopee_shops "
        "WHERE shop_id = :s",
        s=first,
    )
    assert row is not None and row["authorization_checked_at"] == clock()
    assert row["authorization_expires_at"] == clock() + timedelta(days=3)


class TestAnAgencyWithTwoApps:
    """Each shop's re-authorization link is for the app its seller authorized: a link for
    another app would have the seller authorize the wrong one (issue 17)."""

    SECOND = 2001999
    SECOND_KEY = "fedcba9876543210" * 4

    @pytest.fixture
    def simulator_settings(self) -> SimulatorSettings:
        second = PartnerApp(partner_id=self.SECOND, partner_key=self.SECOND_KEY)
        return SimulatorSettings(authorization_ttl=timedelta(days=10), other_partners=(second,))

    def test_each_expiring_shop_gets_the_link_of_its_own_app(
        self, stack: LocalStack, clock: FrozenClock
    ) -> None:
        stack.register_partners()
        first, second = stack.simulator.world.shops[:2]
        deps = Dependencies(env={**stack.env, "AUTH_REDIRECT_URL": REDIRECT}, clock=clock)
        try:
            for shop, partner_id in ((first, None), (second, self.SECOND)):
                code = stack.simulator.authorize(shop.shop_id)
                onboard_shop(
                    deps,
                    shop_id=shop.shop_id,
                    region=shop.region,
                    code=code,
                    partner_id=partner_id,
                )
            status = admin_commands.handle({"command": "status"}, deps)
        finally:
            deps.close()
        shops = status["result"]["authorizations"]["shops"]
        apps = {
            s["shop_id"]: parse_qs(urlparse(s["reauthorize_url"]).query)["partner_id"]
            for s in shops
        }
        assert apps == {
            first.shop_id: [str(stack.simulator.settings.partner_id)],
            second.shop_id: [str(self.SECOND)],
        }
