"""`python -m local run --shopee-url URL`: the local stack against a Shopee that is not
its own simulator, as a user tries a test shop before deploying.

The "foreign Shopee" is a simulator in a process of its own, used only over HTTP as a
real one is: its base URL, a partner id and key of our choosing (not the simulator's
defaults), and its authorization page. The run and the console are subprocesses; the
shop comes in through the console's authorize flow.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from local.postgres import scratch_database, server_url
from local.simulator import SimulatorSettings, World, WorldSettings
from local.simulator.process import SimulatorProcess

ROOT = Path(__file__).resolve().parents[2]
PARTNER_ID = 8_800_123
PARTNER_KEY = "own-test-partner-key-never-printed-2718"
REDIRECT = "https://agency.example/shopee/callback"


@pytest.fixture
def foreign_shopee() -> Iterator[tuple[str, World]]:
    world = World.generate(
        WorldSettings(seed=11, shop_count=2, explicit_campaign_counts=(6, 3), min_900_plus=0)
    )
    shopee = SimulatorProcess(
        world, SimulatorSettings(partner_id=PARTNER_ID, partner_key=PARTNER_KEY)
    )
    try:
        yield shopee.base_url, world
    finally:
        shopee.stop()


def _python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert PARTNER_KEY not in result.stdout + result.stderr  # never printed, never logged
    return result


def _console(env: dict[str, str], name: str, *argv: str) -> dict[str, Any]:
    result = _python(["-m", "local.console", "--database", name, "--json", *argv], env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    reply: dict[str, Any] = json.loads(result.stdout)["result"]
    return reply


@pytest.mark.e2e
def test_a_shop_authorized_through_the_console_syncs_against_a_real_shopee(
    foreign_shopee: tuple[str, World],
) -> None:
    base_url, world = foreign_shopee
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}:{ROOT}",
        "SHOPEE_BASE_URL": base_url,  # for the console's authorize flow
        "SHOPEE_PARTNER_ID": str(PARTNER_ID),
        "SHOPEE_PARTNER_KEY": PARTNER_KEY,
    }
    env.pop("SHOPEE_PARTNER_SECRET_ARN", None)
    with scratch_database(server_url(), prefix="adsync_e2e") as url:
        name = urlparse(url).path.lstrip("/")
        run = ["-m", "local", "run", "--shopee-url", base_url, "--database", name]

        # 1. A first run migrates the database and says how to add a shop.
        first = _python(run, env)
        assert first.returncode == 1, first.stdout + first.stderr
        assert "result            NO SHOPS" in first.stdout
        assert f"adsync --database {name} shops authorize" in first.stdout

        # 2. The console's authorize flow: link, the seller consents, code exchange.
        link = _console(env, name, "shops", "auth-url", "--redirect", REDIRECT)["url"]
        assert link.startswith(base_url)
        consent = requests.get(link, allow_redirects=False, timeout=10)
        assert consent.status_code == 302
        back = parse_qs(urlparse(consent.headers["Location"]).query)
        shop_id = int(back["shop_id"][0])
        region = next(s.region for s in world.shops if s.shop_id == shop_id)  # the seller's
        added = _console(
            env, name, "shops", "authorize", "--shop-id", str(shop_id),
            "--region", region, "--code", back["code"][0],
        )  # fmt: skip
        assert added["shop"]["shop_id"] == shop_id and added["backfill_job_id"]

        # 3. The run syncs that shop (its backfill_full and the realtime tick) from there.
        synced = _python([*run, "--json"], env)
        assert synced.returncode == 0, synced.stdout[-3000:] + synced.stderr[-3000:]
        summary = json.loads(synced.stdout)
        assert summary["shops"] == summary["enqueued"] == 1
        assert summary["jobs_by_status"] == {"completed": 2}
        assert summary["rows_written"]["campaign_daily"] > 0
        assert summary["handler_errors"] == []
        assert summary["shopee_url"] == base_url
        # honest about what it could not check
        assert (summary["compared"], summary["rows_checked"]) == (False, 0)
        assert summary["shopee_calls"] is None
        assert [line.split(":")[0] for line in summary["not_checked"]] == [
            "simulated shops",
            "Shopee calls",
            "ground truth",
        ]
        assert summary["ok"] is True

        # 4. As a person reads it.
        again = _python(run, env)
        assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
        for line in (
            f"shopee            {base_url} (instead of the built-in simulator)",
            "vs Shopee         not compared (no ground truth outside the simulator)",
            "shopee calls      not counted",
            "not checked       ground truth: not compared",
            "result            OK",
        ):
            assert line in again.stdout, again.stdout


@pytest.mark.e2e
def test_real_shopee_needs_the_partner_credentials(foreign_shopee: tuple[str, World]) -> None:
    base_url, _ = foreign_shopee
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}:{ROOT}"}
    for name in ("SHOPEE_PARTNER_ID", "SHOPEE_PARTNER_KEY", "SHOPEE_PARTNER_SECRET_ARN"):
        env.pop(name, None)
    result = _python(["-m", "local", "run", "--shopee-url", base_url], env)
    assert result.returncode == 2
    assert "--shopee-url: Shopee partner credentials missing" in result.stderr
    # and the simulator's knobs are refused with it
    env["SHOPEE_PARTNER_ID"], env["SHOPEE_PARTNER_KEY"] = str(PARTNER_ID), PARTNER_KEY
    result = _python(["-m", "local", "run", "--shopee-url", base_url, "--shops", "5"], env)
    assert result.returncode == 2 and "--shops and --seed" in result.stderr
