"""The local main job as a user runs it: a subprocess, real everything, one JSON summary."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from local.postgres import scratch_database, server_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
@pytest.mark.parametrize("transport", ["moto", "postgres"])
def test_local_runtime_completes_a_cycle_for_20_shops(transport: str) -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}:{ROOT}"}
    secret = with_password(env)
    command = ["-m", "local", "run", "--shops", "20", "--json", "--timeout", "240"]
    # A scratch name: the server may be shared, and adsync_local may hold someone's run.
    with scratch_database(server_url(), prefix="adsync_e2e") as url:
        name = urlparse(url).path.lstrip("/")
        result = subprocess.run(
            [sys.executable, *command, "--transport", transport, "--database", name, "--fresh"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["shops"] == summary["enqueued"] == 20
    assert summary["jobs_by_status"] == {"completed": 20}
    assert summary["rows_checked"] > 0 and summary["mismatches"] == []
    assert summary["rows_written"]["campaign_daily"] > 0
    assert summary["finished"] and summary["ok"]
    assert summary["handler_errors"] == []
    # An agency's world: two partner apps, each with its own key, shops split between them.
    assert len(summary["shops_by_partner"]) == 2
    assert sum(summary["shops_by_partner"].values()) == 20
    if secret:  # the summary shows where the data is, never the password
        assert secret not in result.stdout + result.stderr
        assert ":***@" in summary["database_url"]


def with_password(env: dict[str, str]) -> str | None:
    """Give a TCP DATABASE_URL a password (trust auth ignores it) to watch for leaks."""
    url = urlparse(env.get("DATABASE_URL", ""))
    if not url.hostname or url.password:
        return None
    secret = "pw-never-printed-3141"
    host = url.netloc.rpartition("@")[2]
    netloc = f"{url.username or 'postgres'}:{secret}@{host}"
    env["DATABASE_URL"] = urlunparse(url._replace(netloc=netloc))
    return secret


@pytest.mark.e2e
def test_ctrl_c_stops_the_run_and_prints_what_is_there() -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}:{ROOT}"}
    with scratch_database(server_url(), prefix="adsync_e2e") as url:
        name = urlparse(url).path.lstrip("/")
        for shops in (300, 1200, 4800):  # a fast machine may finish before the signal
            result = interrupted_run(["--shops", str(shops), "--database", name], env)
            if result.returncode != 0:
                break
    assert result.returncode == 130, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["interrupted"] is True
    assert summary["ok"] is False and summary["finished"] is False
    assert summary["enqueued"] == shops
    assert sum(summary["jobs_by_status"].values()) == shops


def interrupted_run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m local run ... --json`, sent SIGINT as its pollers start."""
    command = [sys.executable, "-m", "local", "run", *args, "--fresh", "--json"]
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell's background job inherits SIGINT ignored; a terminal's Ctrl-C is not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as process:
        assert process.stderr is not None
        started = process.stderr.readline()  # "polling: N jobs enqueued; ..."
        assert started.startswith("polling:"), started
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(command, process.returncode, stdout, started + stderr)
