"""Benchmark 6: handler import time in fresh processes, and the layer's size.

Import time is measured inside a fresh interpreter (what a cold start adds on top of
the runtime's own start), median of N processes per handler. The layer's size is
`layers/shared` plus the installed distributions its requirements pull in (boto3 is
part of the Lambda runtime and not counted).
"""

import os
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
LAYER = ROOT / "layers" / "shared"
PROBE = (
    "import importlib.util, sys, time\n"
    "t = time.perf_counter()\n"
    "spec = importlib.util.spec_from_file_location('app', sys.argv[1])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(module)\n"
    "print(time.perf_counter() - t)\n"
)


@dataclass(frozen=True, kw_only=True)
class ColdStartResult:
    import_ms: dict[str, float]  # handler -> median milliseconds
    layer_bytes: int
    layer_breakdown: dict[str, int]


def import_times(runs: int) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{LAYER}{os.pathsep}{ROOT}",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    result: dict[str, float] = {}
    for app in sorted(FUNCTIONS.glob("*/app.py")):
        samples = []
        for _ in range(runs):
            out = subprocess.run(
                [sys.executable, "-c", PROBE, str(app)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            samples.append(float(out.stdout.strip().splitlines()[-1]) * 1000)
        result[app.parent.name] = statistics.median(samples)
    return result


def _requirement_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0])
    return names


def _closure(names: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for req in dist.requires or []:
            if "extra ==" in req:
                continue
            todo.append(re.split(r"[<>=!~\[; (]", req, maxsplit=1)[0])
    return seen


def layer_size() -> tuple[int, dict[str, int]]:
    breakdown = {"layers/shared": sum(p.stat().st_size for p in LAYER.rglob("*") if p.is_file())}
    for name in sorted(_closure(_requirement_names(LAYER / "requirements.txt"))):
        dist = metadata.distribution(name)
        total = 0
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
        breakdown[name] = total
    return sum(breakdown.values()), breakdown


def run_cold_start_bench(runs: int) -> ColdStartResult:
    size, breakdown = layer_size()
    return ColdStartResult(
        import_ms=import_times(runs), layer_bytes=size, layer_breakdown=breakdown
    )
