"""CloudFormation custom resource `Custom::Migrations`: apply database migrations on deploy.

Thin: the protocol (checks, migrations, the one answer on the ResponseURL, the watchdog)
lives in `adsync.services.migrations_resource`, which imports the database modules only
when it runs, so that a broken layer still answers FAILED.
"""

from collections.abc import Mapping
from typing import Any

from adsync.services.migrations_resource import handle, run_migrations


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, context, migrate=run_migrations)
