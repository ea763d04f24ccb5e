"""Lambda `admin`: the operator console's commands, run inside the VPC next to the
database. `{"command": "status", "args": {}}` -> `{"command", "ok", "result" | "error"}`;
see adsync.services.admin_commands and docs/operations.md for every command.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from adsync.observability import logger
from adsync.services.admin_commands import handle
from adsync.services.dependencies import Dependencies, Handler


def make_handler(deps: Dependencies) -> Handler:
    """The handler of one container, on its dependencies."""

    # No @metrics.log_metrics: most commands emit no metric, and an empty flush warns.
    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        reply = handle(event, deps)
        logger.info("admin command", command=reply["command"], ok=reply["ok"])
        return reply

    return handler


handler = make_handler(Dependencies())
