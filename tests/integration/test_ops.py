"""`python -m local shop ...` in-process against the stack: auth link, add, list, errors;
no token is ever printed."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

import local.__main__
from adsync.db.connection import Database
from adsync.shopee.signing import sign
from local import ops
from local.stack import LocalStack
from tests.support.clock import FrozenClock
from tests.support.sqs import deliver


def tokens_of(db: Database, shop_id: int) -> tuple[str, str]:
    row = db.one(
        "SELECT access_token, refresh_token FROM apishopee_shops WHERE shop_id = :s", s=shop_id
    )
    assert row is not None
    return row["access_token"], row["refresh_token"]


def add_shop(stack: LocalStack, clock: FrozenClock, index: int = 0) -> tuple[int, str]:
    shop = stack.simulator.world.shops[index]
    code = stack.simulator.authorize(shop.shop_id)
    argv = ["add", "--shop-id", str(shop.shop_id), "--region", shop.region.lower(), "--code", code]
    assert ops.main(argv, clock=clock) == 0
    return shop.shop_id, shop.region


def test_auth_url_is_signed_for_the_configured_host(
    stack: LocalStack, clock: FrozenClock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ops.main(["shop", "auth-url", "--redirect", "https://example.com/cb"], clock=clock) == 0
    url = capsys.readouterr().out.strip()
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == stack.server.base_url
    assert parts.path == "/api/v2/shop/auth_partner"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    settings = stack.simulator.settings
    timestamp = int(clock().timestamp())
    assert query == {
        "partner_id": str(settings.partner_id),
        "timestamp": str(timestamp),
        "sign": sign(
            partner_key=settings.partner_key,
            partner_id=settings.partner_id,
            path="/api/v2/shop/auth_partner",
            timestamp=timestamp,
        ),
        "redirect": "https://example.com/cb",
    }
    assert settings.partner_key not in url


def test_add_stores_the_tokens_and_prints_only_the_status(
    stack: LocalStack, db: Database, clock: FrozenClock, capsys: pytest.CaptureFixture[str]
) -> None:
    shop_id, region = add_shop(stack, clock)
    out = capsys.readouterr().out
    expires = (clock() + timedelta(hours=4)).isoformat(timespec="seconds")
    assert out.strip().splitlines() == [
        f"shop {shop_id} ({region}) active; access token expires {expires}",
        "backfill_full job 1 recorded (priority 3); the reconciler sends it within a minute",
    ]
    for token in tokens_of(db, shop_id):
        assert token and token not in out
    assert stack.simulator.counters.calls_to("/api/v2/auth/token/get") == 1


def test_list_shows_status_and_expiry_without_tokens(
    stack: LocalStack, db: Database, clock: FrozenClock, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = add_shop(stack, clock, 0)
    second, _ = add_shop(stack, clock, 1)
    db.run(
        "UPDATE apishopee_shops SET status = 'needs_reauth', status_reason = 'shop_banned' "
        "WHERE shop_id = :s",
        s=second,
    )
    capsys.readouterr()

    assert ops.main(["list"], clock=clock) == 0

    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == [
        "SHOP_ID",
        "REGION",
        "STATUS",
        "ACCESS_EXPIRES",
        "REFRESH_EXPIRES",
        "LAST_SYNC",
    ]
    expires = (clock() + timedelta(hours=4)).isoformat(timespec="seconds")
    assert lines[1].split()[0] == str(first) and "active" in lines[1] and expires in lines[1]
    assert lines[2].split()[0] == str(second) and "needs_reauth" in lines[2]
    assert f"shop {second}: shop_banned" in out
    assert lines[-1] == "2 shop(s)"
    for shop_id in (first, second):
        for token in tokens_of(db, shop_id):
            assert token not in out


def test_the_package_entry_point_has_the_shop_command(
    stack: LocalStack, clock: FrozenClock, capsys: pytest.CaptureFixture[str]
) -> None:
    add_shop(stack, clock)
    capsys.readouterr()
    assert local.__main__.main(["shop", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 shop(s)"


def test_a_bad_code_is_an_error_line_and_exit_1(
    stack: LocalStack, db: Database, clock: FrozenClock, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = stack.simulator.world.shops[0]
    argv = ["add", "--shop-id", str(shop.shop_id), "--region", shop.region, "--code", "nope"]
    assert ops.main(argv, clock=clock) == 1
    printed = capsys.readouterr()
    assert printed.err.startswith("error: auth/token/get: invalid_code")
    assert db.one("SELECT count(*) AS n FROM apishopee_shops") == {"n": 0}


def test_missing_partner_credentials_are_reported(
    stack: LocalStack, clock: FrozenClock, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {k: v for k, v in stack.env.items() if not k.startswith("SHOPEE_PARTNER")}
    assert ops.main(["auth-url", "--redirect", "https://x/cb"], env=env, clock=clock) == 1
    assert "Shopee partner credentials missing" in capsys.readouterr().err


def test_an_unknown_region_is_refused_by_the_parser(stack: LocalStack) -> None:
    with pytest.raises(SystemExit):
        ops.main(["add", "--shop-id", "1", "--region", "XX", "--code", "c"])


def test_a_new_shop_gets_its_backfill_sent_by_the_reconciler(
    stack: LocalStack, db: Database, clock: FrozenClock
) -> None:
    shop_id, _ = add_shop(stack, clock)
    job = db.one("SELECT sync_type, priority, status, dispatched_at FROM apishopee_ads_sync_queue")
    assert job == {
        "sync_type": "backfill_full",
        "priority": 3,
        "status": "pending",
        "dispatched_at": None,
    }
    assert stack.invoke("maintenance", {"task": "reconcile"})["redispatched"] == 1
    deliver(stack, 3)
    row = db.one("SELECT status FROM apishopee_ads_sync_queue WHERE shop_id = :s", s=shop_id)
    assert row == {"status": "completed"}


def test_no_backfill_records_no_job(stack: LocalStack, db: Database, clock: FrozenClock) -> None:
    shop = stack.simulator.world.shops[0]
    code = stack.simulator.authorize(shop.shop_id)
    argv = ["add", "--shop-id", str(shop.shop_id), "--region", shop.region, "--code", code]
    assert ops.main([*argv, "--no-backfill"], clock=clock) == 0
    assert db.one("SELECT count(*) AS n FROM apishopee_ads_sync_queue") == {"n": 0}
