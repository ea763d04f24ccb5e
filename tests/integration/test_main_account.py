"""Main-account authorization (issue 17 part 2, shopee-ads-api.md §3.1-§3.3): one code
brings every shop of the main account with ONE shared token pair; each shop's first
refresh, with its own shop_id, gives it a pair of its own. Real Postgres, moto's SQS, the
simulator over HTTP, the real handlers and client, a frozen clock."""

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from adsync.db.connection import Database
from adsync.services import admin_commands
from adsync.services.admin_agency import authorize_main_account
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_main_account
from adsync.shopee.transport import ShopAuth
from local.simulator import World, WorldSettings
from local.stack import LocalStack
from local.truth_check import compare
from tests.support.clock import FrozenClock
from tests.support.sync import drain, jobs, local_days

MAIN_ACCOUNT = 900_000_000  # WorldSettings.first_main_account_id: owns the first 30 shops
SIZE = 30
REDIRECT = "https://agency.example/shopee/callback"


@pytest.fixture
def world(clock: FrozenClock) -> World:
    # 30 shops of one main account and 2 on their own; small shops keep the test quick.
    return World.generate(
        WorldSettings(
            seed=11,
            shop_count=SIZE + 2,
            anchor_date=clock().date(),
            main_account_sizes=(SIZE,),
            share_900_plus=0.0,
            min_900_plus=0,
            share_100_plus=0.0,
        )
    )


@pytest.fixture
def deps(stack: LocalStack, clock: FrozenClock) -> Dependencies:
    return Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)


def _code_from_link(deps: Dependencies) -> str:
    """The seller (the main account's owner) opens the link; Shopee redirects back."""
    link = deps.shopee.authorization_url(REDIRECT)
    reply = requests.get(
        link, params={"main_account_id": MAIN_ACCOUNT}, allow_redirects=False, timeout=10
    )
    assert reply.status_code == 302
    query = parse_qs(urlparse(reply.headers["Location"]).query)
    assert query["main_account_id"] == [str(MAIN_ACCOUNT)]
    assert "shop_id" not in query
    code: str = query["code"][0]
    return code


def _pairs(db: Database) -> list[dict[str, object]]:
    return db.run(
        "SELECT shop_id, access_token, refresh_token, status FROM apishopee_shops "
        "WHERE main_account_id = :m ORDER BY shop_id",
        m=MAIN_ACCOUNT,
    )


def test_a_main_account_with_30_shops_is_onboarded_from_one_code_and_all_synced(
    stack: LocalStack, db: Database, deps: Dependencies, clock: FrozenClock
) -> None:
    world = stack.simulator.world
    owned = world.main_account_shops(MAIN_ACCOUNT)
    assert owned is not None and len(owned) == SIZE
    try:
        result = authorize_main_account(
            deps, main_account_id=MAIN_ACCOUNT, code=_code_from_link(deps), backfill=False
        )
    finally:
        deps.close()
    assert result.failed == ()
    assert sorted(s.shop_id for s in result.shops) == sorted(s.shop_id for s in owned)
    rows = db.run(
        "SELECT shop_id, shop_name, region, authorization_expires_at FROM apishopee_shops "
        "ORDER BY shop_id"
    )
    # Name and region come from get_shop_info; the two shops outside it are not touched.
    assert [(r["shop_id"], r["shop_name"], r["region"]) for r in rows] == sorted(
        (s.shop_id, world.shop_name(s.shop_id), s.region) for s in owned
    )
    assert {r["authorization_expires_at"] for r in rows} == {clock() + timedelta(days=365)}
    # One shared pair until each shop's first refresh.
    shared = _pairs(db)
    assert len({(r["access_token"], r["refresh_token"]) for r in shared}) == 1

    # Cycle 1, on the shared access token.
    assert stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})["enqueued"] == SIZE
    drain(stack, priority=1)
    # Cycle 2, four hours later: every shop refreshes (with its own shop_id) the one
    # refresh token they all hold, and none locks another out.
    clock.advance(timedelta(hours=4))
    assert stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})["enqueued"] == SIZE
    drain(stack, priority=1)

    assert {j["status"] for j in jobs(db)} == {"completed"}
    assert len(jobs(db)) == 2 * SIZE
    own = _pairs(db)
    assert {r["status"] for r in own} == {"active"}
    assert len({r["refresh_token"] for r in own}) == SIZE  # a pair of its own, each
    assert not {r["refresh_token"] for r in own} & {r["refresh_token"] for r in shared}
    days = local_days(stack, clock, range(1))
    comparison = compare(db, stack.simulator, {s.shop_id: days[s.shop_id] for s in owned})
    assert comparison.equal, comparison.mismatches[:5]
    assert comparison.rows_checked > 0


def test_shops_sharing_a_refresh_token_refresh_side_by_side_without_locking_out(
    stack: LocalStack, db: Database, deps: Dependencies, clock: FrozenClock
) -> None:
    """Refresh tokens are single use (§3.3). Every shop of the main account holds the same
    one; each spends it for itself, concurrently, and ends with a working pair."""
    try:
        onboard_main_account(deps, main_account_id=MAIN_ACCOUNT, code=_code_from_link(deps))
    finally:
        deps.close()
    clock.advance(timedelta(hours=4))  # the shared access token has expired
    shop_ids = [r["shop_id"] for r in _pairs(db)]
    errors: list[BaseException] = []

    def refresh(shop_id: int) -> None:
        own = stack.dependencies(clock)
        try:
            auth = own.tokens.auth_for(shop_id)
            info = own.shopee.get_shop_info(auth)  # the new token works for this shop
            assert info.shop_id == shop_id
        except BaseException as exc:
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=refresh, args=(s,)) for s in shop_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    pairs = _pairs(db)
    assert {r["status"] for r in pairs} == {"active"}
    assert len({r["refresh_token"] for r in pairs}) == len({r["access_token"] for r in pairs})
    assert len({r["refresh_token"] for r in pairs}) == SIZE
    # And a shop's new pair is its own: it does not open another shop.
    first, second = pairs[0], pairs[1]
    check = stack.dependencies(clock)
    try:
        with pytest.raises(Exception, match="access_token"):
            check.shopee.get_shop_info(
                ShopAuth(
                    shop_id=int(str(second["shop_id"])), access_token=str(first["access_token"])
                )
            )
    finally:
        check.close()


def test_a_shop_whose_info_cannot_be_read_is_reported_and_the_others_are_stored(
    stack: LocalStack, db: Database, deps: Dependencies
) -> None:
    owned = stack.simulator.world.main_account_shops(MAIN_ACCOUNT)
    assert owned is not None
    broken = owned[3].shop_id
    stack.simulator.faults.fail_shop(broken, path="/api/v2/shop/get_shop_info", error="error_data")
    try:
        result = authorize_main_account(
            deps, main_account_id=MAIN_ACCOUNT, code=_code_from_link(deps), backfill=True
        )
    finally:
        deps.close()
        stack.simulator.faults.clear()
    assert [shop_id for shop_id, _ in result.failed] == [broken]
    assert "error_data" in result.failed[0][1]
    stored = {r["shop_id"] for r in _pairs(db)}
    assert stored == {s.shop_id for s in owned} - {broken}
    assert result.backfill_jobs == SIZE - 1
    assert {(j["sync_type"], j["priority"]) for j in jobs(db)} == {("backfill_full", 3)}


def test_the_admin_command_authorizes_a_main_account_and_refuses_a_bad_one(
    stack: LocalStack, deps: Dependencies
) -> None:
    try:
        code = _code_from_link(deps)
        refused = admin_commands.handle(
            {
                "command": "authorize-main",
                "args": {"main_account_id": MAIN_ACCOUNT + 7, "code": code},
            },
            deps,
        )
        assert refused["ok"] is False
        assert "main_acount_id" in refused["error"] or "main_account" in refused["error"]
        missing = admin_commands.handle({"command": "authorize-main", "args": {"code": code}}, deps)
        assert missing == {
            "command": "authorize-main",
            "ok": False,
            "error": "authorize-main: missing argument(s) main_account_id",
        }
        reply = admin_commands.handle(
            {
                "command": "authorize-main",
                "args": {"main_account_id": MAIN_ACCOUNT, "code": code, "backfill": False},
            },
            deps,
        )
    finally:
        deps.close()
    assert reply["ok"] is True, reply
    assert len(reply["result"]["shops"]) == SIZE
    assert "token" not in str(reply["result"]).lower()
