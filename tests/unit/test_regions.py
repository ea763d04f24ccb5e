"""Each marketplace's local day at its midnight, DST included, from the zone table."""

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from adsync.regions import (
    CURRENCIES,
    MARKETS,
    TIME_ZONES,
    UnknownRegionError,
    local_day,
    region_currency,
    region_timezone,
)
from tests.support.region_days import CASES, MIDNIGHTS

ROOT = Path(__file__).resolve().parents[2]


def test_every_listed_region_is_tested_at_its_midnight() -> None:
    assert {region for region, _, _ in MIDNIGHTS} == set(TIME_ZONES)


@pytest.mark.parametrize(
    ("region", "instant", "day"), CASES, ids=[f"{r}-{i:%Y%m%dT%H%M%S}Z" for r, i, _ in CASES]
)
def test_local_day_at_each_regions_midnight(region: str, instant: datetime, day: date) -> None:
    assert local_day(region, instant) == day
    assert local_day(region.lower(), instant) == day


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(UnknownRegionError):
        region_timezone("XX")


def run_hidden_system_tz(prelude: str) -> subprocess.CompletedProcess[str]:
    """Load every zone in a fresh interpreter that cannot see the system tz database."""
    code = (
        f"{prelude}\n"
        "import zoneinfo\n"
        "zoneinfo.reset_tzpath([])\n"
        "assert zoneinfo.TZPATH == ()\n"
        "from adsync.regions import TIME_ZONES, region_timezone\n"
        "for region in TIME_ZONES:\n"
        "    region_timezone(region)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/shared"), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


def test_zones_load_without_system_tzdata_thanks_to_the_tzdata_package() -> None:
    assert run_hidden_system_tz("").returncode == 0
    # the same with the package hidden too fails: tzdata is what carries the zones
    without = run_hidden_system_tz("import sys; sys.modules['tzdata'] = None")
    assert without.returncode != 0 and "ZoneInfoNotFoundError" in without.stderr


def test_the_layer_ships_tzdata() -> None:
    requirements = (ROOT / "layers/shared/requirements.txt").read_text("utf-8").splitlines()
    assert any(line.startswith("tzdata==") for line in requirements)


def test_every_market_has_an_iso_currency() -> None:
    assert set(CURRENCIES) == set(MARKETS) == set(TIME_ZONES)
    assert all(len(code) == 3 and code.isupper() for code in CURRENCIES.values())
    assert region_currency("vn") == "VND"
    assert region_currency("BR") == "BRL"
    assert region_currency("CL") == "CLP"
    with pytest.raises(UnknownRegionError):
        region_currency("XX")
