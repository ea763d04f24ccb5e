"""Every metric the code emits is on the dashboard (and nothing on it is made up)."""

import re
from pathlib import Path

from tests.template.cfn import CUSTOM_METRICS

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared" / "adsync"
EMITTED = re.compile(r'(?:count|milliseconds)\(\s*"(\w+)"|add_metric\(\s*name="(\w+)"')


def emitted_metrics() -> set[str]:
    names: set[str] = set()
    for path in LAYER.rglob("*.py"):
        for match in EMITTED.finditer(path.read_text("utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


def test_every_emitted_metric_is_on_the_dashboard() -> None:
    assert emitted_metrics() <= set(CUSTOM_METRICS)


def test_every_dashboard_metric_is_emitted() -> None:
    assert set(CUSTOM_METRICS) <= emitted_metrics()
