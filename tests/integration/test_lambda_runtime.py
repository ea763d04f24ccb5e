"""The local Lambda runtime builds containers explicitly: one per thread and function,
each on a set of dependencies its factory built, all closed with the runtime."""

import threading

import pytest

from adsync.services.dependencies import Dependencies
from local.lambda_runtime import LambdaRuntime
from local.stack import LocalStack

RECONCILE = {"task": "reconcile"}


def test_each_thread_and_function_is_one_container_until_the_runtime_closes(
    stack: LocalStack,
) -> None:
    built: list[Dependencies] = []

    def build() -> Dependencies:
        deps = stack.dependencies()
        built.append(deps)
        return deps

    runtime = LambdaRuntime(build)
    with runtime:
        runtime.invoke("maintenance", RECONCILE)
        runtime.invoke("maintenance", RECONCILE)  # warm: the same container
        assert len(built) == 1
        runtime.invoke("enqueue", {"sync_type": "realtime", "priority": 1})
        assert len(built) == 2  # another function, another container
        other = threading.Thread(target=runtime.invoke, args=("maintenance", RECONCILE))
        other.start()
        other.join()
        assert len(built) == 3  # another thread, another container
        assert all(deps.db.is_open for deps in built)

    assert not any(deps.db.is_open for deps in built)
    with pytest.raises(RuntimeError, match="closed"):
        runtime.invoke("maintenance", RECONCILE)
    assert len(built) == 3


def test_the_stack_closes_the_containers_it_lent(stack: LocalStack) -> None:
    lambdas = stack.lambdas_on(env={**stack.env, "RETRY_DELAY_SECONDS": "0"})
    lambdas.invoke("maintenance", RECONCILE)
    stack.invoke("maintenance", RECONCILE)

    stack.close()

    for runtime in (lambdas, stack.lambdas):
        with pytest.raises(RuntimeError, match="closed"):
            runtime.invoke("maintenance", RECONCILE)


def test_renewed_containers_start_cold_on_the_env_as_it_is_then(stack: LocalStack) -> None:
    stack.seed_tokens()
    stack.invoke("enqueue", {"sync_type": "realtime", "priority": 1})  # warm, env as it was
    before = stack.lambdas

    stack.env["ATTRIBUTION_WINDOW_DAYS"] = "4"
    stack.renew_lambdas()
    stack.invoke("enqueue", {"sync_type": "lookback", "priority": 2})

    with pytest.raises(RuntimeError, match="closed"):
        before.invoke("maintenance", RECONCILE)
    db = stack.database()
    try:
        rows = db.run(
            "SELECT DISTINCT days_ago FROM apishopee_ads_sync_queue WHERE sync_type = 'lookback'"
        )
    finally:
        db.close()
    assert rows == [{"days_ago": 4}]
