"""Fixtures for the template tests: the SAM source and its CloudFormation translation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.template.cfn import OfType, Resources, load_sam_template, translate


@pytest.fixture(scope="session")
def sam_template() -> dict[str, Any]:
    return load_sam_template()


@pytest.fixture(scope="session")
def cfn(sam_template: dict[str, Any]) -> dict[str, Any]:
    """The translated CloudFormation template."""
    return translate(sam_template)


@pytest.fixture(scope="session")
def resources(cfn: dict[str, Any]) -> Resources:
    found: Resources = cfn["Resources"]
    return found


@pytest.fixture(scope="session")
def of_type(resources: Resources) -> OfType:
    def select(resource_type: str) -> Resources:
        return {
            logical_id: resource
            for logical_id, resource in resources.items()
            if resource["Type"] == resource_type
        }

    return select
