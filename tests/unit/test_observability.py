"""Metrics stay quiet when disabled, even past Powertools' automatic flush at 100 values."""

import pytest

from adsync.observability import count, metrics, milliseconds


def test_disabled_metrics_print_nothing_past_the_auto_flush(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Powertools prints an EMF document when one metric reaches 100 values, whatever
    POWERTOOLS_METRICS_DISABLED says (its flush_metrics checks it, add_metric does not):
    a local run or `make bench` printed pages of JSON."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    for _ in range(250):
        count("JobsCompleted")
        milliseconds("SyncDurationMs", 12.0)
    assert capsys.readouterr().out == ""
    metrics.clear_metrics()


def test_enabled_metrics_are_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics.clear_metrics()
    count("JobsCompleted", 2)
    assert metrics.metric_set["JobsCompleted"]["Value"] == [2.0]
    metrics.clear_metrics()
