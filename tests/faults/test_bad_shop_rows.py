"""12.12: one bad shop row cannot stop a tick for every shop.

A region no marketplace table knows (a hand edit, a row from an older system) used to
raise UnknownRegionError in the middle of enqueue: 0 jobs for every shop. The bad
shop is now skipped, logged and counted while every other shop is enqueued; and no
new row can be written with such a region (onboarding refuses it).
"""

import pytest

from adsync.db.connection import Database
from adsync.regions import UnknownRegionError
from adsync.services.onboarding import onboard_shop
from local.stack import LocalStack
from tests.faults.conftest import assert_truth, job_rows
from tests.support.sync import drain


@pytest.mark.parametrize(
    "event",
    [
        {"sync_type": "backfill_day", "priority": 1, "days_ago": 0},
        {"sync_type": "realtime", "priority": 1},
    ],
)
def test_a_shop_with_an_unknown_region_is_skipped_and_the_others_run(
    stack: LocalStack, db: Database, event: dict[str, object]
) -> None:
    shop_ids = stack.onboard_all()
    bad = shop_ids[0]
    db.run("UPDATE apishopee_shops SET region = 'XX' WHERE shop_id = :s", s=bad)

    reply = stack.invoke("enqueue", event)

    assert reply["enqueued"] == len(shop_ids) - 1
    assert reply["skipped_shops"] == [bad]
    assert bad not in {j["shop_id"] for j in job_rows(db)}
    drain(stack, priority=1)
    rows = job_rows(db)
    assert [(j["status"], j["retry_count"]) for j in rows] == [("completed", 0)] * len(rows)
    assert_truth(stack, db, [s for s in shop_ids if s != bad])


def test_onboarding_refuses_an_unknown_region(stack: LocalStack, db: Database) -> None:
    shop = stack.simulator.world.shops[0]
    code = stack.simulator.authorize(shop.shop_id)
    deps = stack.dependencies()
    try:
        with pytest.raises(UnknownRegionError, match="xx"):
            onboard_shop(deps, shop_id=shop.shop_id, region="xx", code=code)
    finally:
        deps.close()
    assert db.run("SELECT shop_id FROM apishopee_shops") == []
