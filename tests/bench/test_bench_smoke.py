"""Keeps the benchmark scripts working: tiny sizes, no timing assertions."""

from pathlib import Path

from bench.__main__ import main
from bench.capacity import realtime_executions
from bench.seed_model import ours_model, seed_model
from bench.stats import percentile


def test_tiny_run_writes_a_report(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    assert main(["--tiny", "--out", str(out)]) == 0
    text = out.read_text()
    for heading in (
        "## 0.",
        "## 1.",
        "## 2.",
        "## 3.",
        "## 4.",
        "## 5.",
        "## 6.",
        "## 7.",
        "### Capacity",
        "## Targets",
    ):
        assert heading in text
    assert "completed=6" in text  # every job of the tiny cycle finished
    for target in range(1, 6):  # issue 15's five targets, each with a verdict
        assert f"| issue 15 ({target}):" in text


def test_seed_model_matches_its_arithmetic() -> None:
    # 10 jobs per 5 minutes = 120 shops an hour at most, however many shops wait.
    assert 119 <= seed_model(10_000, job_seconds=2.0).shops_per_hour <= 120
    # 100 shops drain in 50 min; the next tick is at 60 min: each shop once an hour.
    small = seed_model(100, job_seconds=2.0)
    assert 99 <= small.shops_per_hour <= 101
    assert 3590 <= small.worst_staleness_seconds <= 3610


def test_ours_model_is_capped_by_the_schedule() -> None:
    fast = ours_model(1000, seconds_per_shop=0.1, lag_max_seconds=30)
    assert fast.shops_per_hour == 4000
    assert fast.capacity_per_hour == 36_000
    slow = ours_model(1000, seconds_per_shop=2.0, lag_max_seconds=30)
    assert slow.shops_per_hour == 1800


def test_percentile() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([3, 1, 2], 50) == 2
    assert percentile(list(range(1, 101)), 99) == 99


def test_realtime_executions_follow_the_deploy_guide() -> None:
    # One execution per 5 req/s, never fewer than a mapping allows (2).
    assert [realtime_executions(r) for r in (1, 3, 5, 10, 12, 50)] == [2, 2, 2, 2, 3, 10]
