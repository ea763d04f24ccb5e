"""cfn-lint on the translated template and `sam validate --lint` as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cfnlint.api import ManualArgs, lint

from tests.template.cfn import REGION, ROOT


def test_cfn_lint_finds_no_errors_in_the_translated_template(cfn: dict[str, Any]) -> None:
    matches = lint(json.dumps(cfn), config=ManualArgs(regions=[REGION]))
    errors = [str(m) for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_cfn_lint_finds_no_warnings_in_the_translated_template(cfn: dict[str, Any]) -> None:
    matches = lint(json.dumps(cfn), config=ManualArgs(regions=[REGION]))
    warnings = [str(m) for m in matches if m.rule.id.startswith("W")]
    assert warnings == []


def test_sam_validate_lint_passes() -> None:
    sam = Path(sys.executable).with_name("sam")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run(
        [str(sam), "validate", "--lint", "--template-file", "template.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_validate_translates_with_the_samconfig_region() -> None:
    sam = Path(sys.executable).with_name("sam")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    env.pop("AWS_REGION", None)
    env.pop("AWS_DEFAULT_REGION", None)
    result = subprocess.run(
        [str(sam), "validate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_would_catch_a_visibility_timeout_below_the_worker_timeout(
    cfn: dict[str, Any],
) -> None:
    broken = json.loads(json.dumps(cfn))
    broken["Resources"]["Priority1Queue"]["Properties"]["VisibilityTimeout"] = 30
    matches = lint(json.dumps(broken), config=ManualArgs(regions=[REGION]))
    assert any(m.rule.id.startswith("E") for m in matches)
