"""TokenManager: refresh before expiry and after a rejected token, single-flight across
workers under the shop row lock, and re-auth marking when Shopee ends the authorization."""

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from adsync.config import database_from_url
from adsync.db.connection import Database
from adsync.db.shop_store import ShopStore
from adsync.errors import ConfigError, ShopNotReadyError
from adsync.services.dependencies import Dependencies
from adsync.services.onboarding import onboard_shop
from adsync.services.tokens import TokenManager, refresh_margin_from_env
from adsync.shopee import AuthExpiredError, AuthorizationEndedError, ShopAuth, ShopeeServerError
from adsync.shopee.models import CampaignRef
from local.stack import LocalStack
from tests.support.clock import FrozenClock

REFRESH = "/api/v2/auth/access_token/get"
ID_LIST = "/api/v2/ads/get_product_level_campaign_id_list"
ACCESS_TTL = timedelta(hours=4)


@pytest.fixture
def deps(stack: LocalStack, clock: FrozenClock) -> Iterator[Dependencies]:
    built = Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)
    yield built
    built.close()


@pytest.fixture
def shop_id(stack: LocalStack, deps: Dependencies) -> int:
    """One onboarded shop with campaigns (tokens from /auth/token/get)."""
    shop = next(s for s in stack.simulator.world.shops if s.campaign_count)
    code = stack.simulator.authorize(shop.shop_id)
    onboard_shop(deps, shop_id=shop.shop_id, region=shop.region, code=code)
    return shop.shop_id


def stored_token(db: Database, shop_id: int) -> str:
    row = db.one("SELECT access_token FROM apishopee_shops WHERE shop_id = :s", s=shop_id)
    assert row is not None
    return str(row["access_token"])


def test_a_fresh_token_is_used_as_is(
    stack: LocalStack, deps: Dependencies, db: Database, shop_id: int
) -> None:
    auth = deps.tokens.auth_for(shop_id)
    assert auth == ShopAuth(shop_id=shop_id, access_token=stored_token(db, shop_id))
    assert deps.tokens.call(shop_id, deps.shopee.get_campaign_ids)
    assert stack.simulator.counters.calls_to(REFRESH) == 0


def test_a_token_near_expiry_is_refreshed_exactly_once(
    stack: LocalStack, deps: Dependencies, db: Database, clock: FrozenClock, shop_id: int
) -> None:
    before = stored_token(db, shop_id)
    clock.advance(ACCESS_TTL - timedelta(minutes=9))  # inside the 10-minute margin

    auth = deps.tokens.auth_for(shop_id)
    again = deps.tokens.auth_for(shop_id)

    assert stack.simulator.counters.calls_to(REFRESH) == 1
    assert auth == again
    assert auth.access_token != before
    assert auth.access_token == stored_token(db, shop_id)  # committed before it was handed out
    expires = db.one(
        "SELECT access_token_expires_at, refresh_token_expires_at FROM apishopee_shops "
        "WHERE shop_id = :s",
        s=shop_id,
    )
    assert expires is not None
    assert expires["access_token_expires_at"] == clock() + ACCESS_TTL
    assert expires["refresh_token_expires_at"] == clock() + timedelta(days=30)
    assert deps.shopee.get_campaign_ids(auth)  # the new token works


def test_outside_the_margin_nothing_is_refreshed(
    stack: LocalStack, deps: Dependencies, clock: FrozenClock, shop_id: int
) -> None:
    clock.advance(ACCESS_TTL - timedelta(minutes=11))
    deps.tokens.auth_for(shop_id)
    assert stack.simulator.counters.calls_to(REFRESH) == 0


def test_the_margin_comes_from_the_environment(
    stack: LocalStack, clock: FrozenClock, shop_id: int
) -> None:
    wide = Dependencies(
        env={**stack.env, "TOKEN_REFRESH_MARGIN_SECONDS": "1200"}, clock=clock, sqs=stack.sqs
    )
    try:
        clock.advance(ACCESS_TTL - timedelta(minutes=15))
        wide.tokens.auth_for(shop_id)
    finally:
        wide.close()
    assert stack.simulator.counters.calls_to(REFRESH) == 1


def test_margin_parsing() -> None:
    assert refresh_margin_from_env({}) == timedelta(minutes=10)
    assert refresh_margin_from_env({"TOKEN_REFRESH_MARGIN_SECONDS": " 90 "}) == timedelta(
        seconds=90
    )
    for bad in ("ten", "-5"):
        with pytest.raises(ConfigError):
            refresh_margin_from_env({"TOKEN_REFRESH_MARGIN_SECONDS": bad})


def test_a_rejected_token_is_refreshed_once_and_the_call_retried(
    stack: LocalStack, deps: Dependencies, db: Database, shop_id: int
) -> None:
    before = stored_token(db, shop_id)
    stack.simulator.expire_access_token(shop_id)  # looks valid to us, Shopee says no

    refs = deps.tokens.call(shop_id, deps.shopee.get_campaign_ids)

    assert [r.campaign_id for r in refs] == list(stack.simulator.truth.campaign_ids(shop_id))
    assert stack.simulator.counters.calls_to(REFRESH) == 1
    assert stack.simulator.counters.calls_to(ID_LIST) == 2
    assert stored_token(db, shop_id) != before


def test_a_second_rejection_is_raised_after_one_refresh(
    stack: LocalStack, deps: Dependencies, shop_id: int
) -> None:
    seen: list[ShopAuth] = []

    def always_rejected(auth: ShopAuth) -> list[CampaignRef]:
        seen.append(auth)
        raise AuthExpiredError(code="invalid_acceess_token")

    with pytest.raises(AuthExpiredError):
        deps.tokens.call(shop_id, always_rejected)
    assert len(seen) == 2 and seen[0] != seen[1]
    assert stack.simulator.counters.calls_to(REFRESH) == 1


def manager_in_own_connection(
    stack: LocalStack, clock: FrozenClock
) -> tuple[TokenManager, Database]:
    db = Database(database_from_url(stack.database_url))
    deps = Dependencies(env=stack.env, clock=clock, sqs=stack.sqs)
    manager = TokenManager(db=db, shops=ShopStore(db), client=deps.shopee, clock=clock)
    return manager, db


def run_together(
    stack: LocalStack, clock: FrozenClock, work: Callable[[TokenManager], ShopAuth]
) -> list[ShopAuth]:
    """Two workers, each with its own connection, released at the same instant."""
    barrier = threading.Barrier(2)
    results: list[ShopAuth] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        manager, db = manager_in_own_connection(stack, clock)
        try:
            barrier.wait(timeout=5)
            auth = work(manager)
            with lock:
                results.append(auth)
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert not errors, errors
    assert len(results) == 2
    return results


def test_two_workers_refreshing_at_once_make_one_refresh_call(
    stack: LocalStack, db: Database, clock: FrozenClock, shop_id: int
) -> None:
    clock.advance(ACCESS_TTL - timedelta(minutes=5))
    # The winner holds the row lock while Shopee answers slowly; the other one waits.
    stack.simulator.faults.slow_next(1, delay_s=0.4, path=REFRESH)

    first, second = run_together(stack, clock, lambda m: m.auth_for(shop_id))

    assert stack.simulator.counters.calls_to(REFRESH) == 1
    assert first == second
    assert first.access_token == stored_token(db, shop_id)
    client = stack.dependencies(clock).shopee
    assert client.get_campaign_ids(first)


def test_two_workers_rejected_at_once_make_one_refresh_call(
    stack: LocalStack, db: Database, clock: FrozenClock, shop_id: int
) -> None:
    stack.simulator.expire_access_token(shop_id)
    stack.simulator.faults.slow_next(1, delay_s=0.4, path=REFRESH)
    client = stack.dependencies(clock).shopee

    first, second = run_together(
        stack, clock, lambda m: (m.call(shop_id, client.get_campaign_ids), m.auth_for(shop_id))[1]
    )

    assert stack.simulator.counters.calls_to(REFRESH) == 1
    assert first == second
    assert first.access_token == stored_token(db, shop_id)


def test_a_revoked_shop_is_marked_needs_reauth(
    stack: LocalStack,
    deps: Dependencies,
    db: Database,
    clock: FrozenClock,
    shop_id: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tokens = db.one("SELECT * FROM apishopee_shops WHERE shop_id = :s", s=shop_id)
    assert tokens is not None
    stack.simulator.revoke(shop_id)
    clock.advance(ACCESS_TTL - timedelta(minutes=1))

    with pytest.raises(AuthorizationEndedError) as caught:
        deps.tokens.auth_for(shop_id)

    assert caught.value.code == "shop_access_expired"
    row = db.one("SELECT status, status_reason FROM apishopee_shops WHERE shop_id = :s", s=shop_id)
    assert row is not None
    assert row["status"] == "needs_reauth"
    assert "shop_access_expired" in row["status_reason"]
    with pytest.raises(ShopNotReadyError, match="needs re-authorization"):
        deps.tokens.auth_for(shop_id)
    assert stack.simulator.counters.calls_to(REFRESH) == 1
    printed = capsys.readouterr()
    for secret in (tokens["access_token"], tokens["refresh_token"]):
        assert secret not in str(caught.value) + repr(caught.value) + row["status_reason"]
        assert secret not in printed.out + printed.err


def test_a_refresh_token_spent_elsewhere_ends_in_needs_reauth(
    stack: LocalStack, deps: Dependencies, db: Database, clock: FrozenClock, shop_id: int
) -> None:
    row = db.one("SELECT refresh_token FROM apishopee_shops WHERE shop_id = :s", s=shop_id)
    assert row is not None
    deps.shopee.refresh_access_token(refresh_token=row["refresh_token"], shop_id=shop_id)
    clock.advance(ACCESS_TTL - timedelta(minutes=1))

    with pytest.raises(AuthorizationEndedError, match="Invalid refresh_token"):
        deps.tokens.auth_for(shop_id)

    status = db.one("SELECT status FROM apishopee_shops WHERE shop_id = :s", s=shop_id)
    assert status == {"status": "needs_reauth"}


def test_a_transport_failure_during_refresh_keeps_the_old_pair(
    stack: LocalStack, deps: Dependencies, db: Database, clock: FrozenClock, shop_id: int
) -> None:
    before = db.one("SELECT * FROM apishopee_shops WHERE shop_id = :s", s=shop_id)
    clock.advance(ACCESS_TTL - timedelta(minutes=1))
    stack.simulator.faults.fail_next(3, http_status=500, path=REFRESH)
    with pytest.raises(ShopeeServerError):
        deps.tokens.auth_for(shop_id)
    after = db.one("SELECT * FROM apishopee_shops WHERE shop_id = :s", s=shop_id)
    assert before is not None and after == before
    # The lock was released with the rollback: the next attempt refreshes.
    assert deps.tokens.auth_for(shop_id).access_token != before["access_token"]


def test_shops_without_tokens_are_not_ready(deps: Dependencies, db: Database) -> None:
    db.run("INSERT INTO apishopee_shops (shop_id, region) VALUES (42, 'VN')")
    with pytest.raises(ShopNotReadyError, match="shop 42 has no access token"):
        deps.tokens.auth_for(42)
    with pytest.raises(ShopNotReadyError, match="shop 43 is not in apishopee_shops"):
        deps.tokens.call(43, lambda auth: auth)


def test_onboarding_on_an_unmigrated_database_keeps_the_single_use_code(
    stack: LocalStack, clock: FrozenClock
) -> None:
    """The code is spent by the exchange: a database that cannot store the shop (not
    migrated yet) is found out before, so the same code works once it is migrated."""
    from adsync.db.migrate import apply_migrations
    from adsync.errors import DatabaseError
    from local.postgres import scratch_database, server_url

    shop = next(s for s in stack.simulator.world.shops if s.campaign_count)
    code = stack.simulator.authorize(shop.shop_id)
    with scratch_database(server_url(), prefix="adsync_onboard") as url:
        deps = Dependencies(env={**stack.env, "DATABASE_URL": url}, clock=clock, sqs=stack.sqs)
        try:
            with pytest.raises(DatabaseError, match="42P01"):
                onboard_shop(deps, shop_id=shop.shop_id, region=shop.region, code=code)
            assert stack.simulator.counters.calls_to("/api/v2/auth/token/get") == 0
            apply_migrations(deps.db)
            onboard_shop(deps, shop_id=shop.shop_id, region=shop.region, code=code)
            assert deps.shops.get(shop.shop_id) is not None
        finally:
            deps.close()


def test_a_refresh_waits_for_its_budget_slot_before_it_holds_a_connection(
    stack: LocalStack, clock: FrozenClock, shop_id: int
) -> None:
    """The refresh runs in a transaction (the shop row's lock) on one of the container's
    two connections; its budget slot is waited for before that transaction opens, so a
    thread sleeping for a slot holds no connection and the others keep both."""
    idle_while_sleeping: list[int] = []

    def sleep(seconds: float) -> None:
        idle_while_sleeping.append(built.db.idle())  # type: ignore[attr-defined]
        clock.advance(timedelta(seconds=seconds))

    env = {**stack.env, "PARTNER_REQUESTS_PER_SECOND": "1"}
    built = Dependencies(env=env, clock=clock, sqs=stack.sqs, sleep=sleep)
    assert built.budget is not None
    clock.advance(ACCESS_TTL - timedelta(minutes=9))  # inside the 10-minute margin
    built.budget.acquire()  # an idle budget: this slot is now, the next a second later
    idle_while_sleeping.clear()
    built.tokens.auth_for(shop_id)
    built.close()
    assert stack.simulator.counters.calls_to(REFRESH) == 1
    assert idle_while_sleeping == [2]  # one wait, for the refresh's slot, both connections free
