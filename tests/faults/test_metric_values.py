"""12.10: metric values Shopee could send but that are not metrics are refused.

A boolean (`true` would be stored as 1), a negative count, a string or a fraction of
an impression: the reply is refused at the model boundary with an error naming the
field and the value, the attempt counts (it is Shopee's answer), nothing of it is
stored, and the next attempt with a good reply stores the truth.
"""

from datetime import timedelta
from typing import Any

import pytest

from adsync.db.connection import Database
from adsync.shopee.errors import ShopeeError
from adsync.shopee.models import PRODUCT_METRICS, SHOP_METRICS, metric_values
from local.stack import LocalStack
from tests.faults.conftest import assert_truth, job_rows
from tests.support.clock import FrozenClock
from tests.support.sqs import receive_event

SHOP_HOURLY = "/api/v2/ads/get_all_cpc_ads_hourly_performance"


def first_row_gets(name: str, value: object) -> Any:
    def transform(body: dict[str, Any]) -> dict[str, Any]:
        body["response"][0][name] = value
        return body

    return transform


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("clicks", True, "clicks must be a number, got True"),
        ("impression", -5, "impression must not be negative, got -5"),
        ("expense", "12.5", "expense must be a number, got '12.5'"),
        ("impression", 2.5, "impression must be a whole number, got 2.5"),
    ],
)
def test_a_bad_metric_value_fails_the_attempt_and_stores_nothing(
    stack: LocalStack,
    db: Database,
    clock: FrozenClock,
    later: Any,
    name: str,
    value: object,
    complaint: str,
) -> None:
    shop_id = stack.onboard_all()[0]
    db.run("UPDATE apishopee_shops SET status = 'paused' WHERE shop_id <> :s", s=shop_id)
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
    stack.simulator.faults.corrupt_next(first_row_gets(name, value), path=SHOP_HOURLY)

    reply = stack.invoke("worker", receive_event(stack, 1))

    assert len(reply["batchItemFailures"]) == 1
    [job] = job_rows(db)
    assert (job["status"], job["retry_count"]) == ("pending", 1)
    assert complaint in job["error_message"]
    assert db.run("SELECT 1 FROM apishopee_ads_shop_performance_hourly") == []

    later(timedelta(minutes=6))  # the retry delay
    stack.invoke("worker", receive_event(stack, 1))
    assert [(j["status"], j["retry_count"]) for j in job_rows(db)] == [("completed", 1)]
    assert_truth(stack, db, [shop_id])


def test_absent_and_null_metrics_are_zero_and_good_ones_keep_their_type() -> None:
    raw = {"clicks": 3, "impression": 300, "ctr": 1, "expense": None}
    values = metric_values(raw, PRODUCT_METRICS)
    assert (values["clicks"], values["ctr"], values["expense"], values["cpc"]) == (
        3,
        1.0,  # derived: 3 / 300 in percent (README's convention), a float
        0.0,
        0.0,
    )
    assert isinstance(values["ctr"], float)
    assert metric_values({"clicks": 3}, PRODUCT_METRICS)["impression"] == 0
    assert metric_values({"impression": 7.0}, SHOP_METRICS)["impression"] == 7


def test_a_float_metric_may_not_be_infinite() -> None:
    with pytest.raises(ShopeeError, match="expense must be a finite number"):
        metric_values({"expense": float("inf")}, SHOP_METRICS)
