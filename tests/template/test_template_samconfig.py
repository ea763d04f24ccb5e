"""samconfig.toml: the deploy defaults `sam deploy` picks up."""

from __future__ import annotations

import tomllib
from typing import Any

from tests.template.cfn import REGION, ROOT


def load_samconfig() -> dict[str, Any]:
    return tomllib.loads((ROOT / "samconfig.toml").read_text())


def test_default_region_and_stack_name() -> None:
    shared = load_samconfig()["default"]["global"]["parameters"]
    assert shared["region"] == REGION
    assert shared["stack_name"] == "shopee-ads-sync"


def test_deploy_defaults_are_safe() -> None:
    deploy = load_samconfig()["default"]["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert deploy["confirm_changeset"] is True
