"""Logger and metrics shared by every handler and service (Powertools).

Metrics carry only the low-cardinality `service` dimension (never a shop or job id);
shop_id and job_id go into structured log keys instead. Nothing here may log a token,
and the HTTP library's own DEBUG lines have their secret query parameters redacted.
"""

import logging
import re

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

SERVICE = "shopee-ads-sync"
NAMESPACE = "ShopeeAdsSync"

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)

# Query parameters that are secrets: Shopee's signed URLs carry the shop's access token
# and the request signature. The HTTP library logs whole request lines at DEBUG (which
# Lambda's ApplicationLogLevel DEBUG turns on), so its records are redacted here.
_SECRET_QUERY = re.compile(r"((?:access_token|sign|refresh_token|code)=)[^&\s\"')]+")
_HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection")


class _RedactSecretQueries(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET_QUERY.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


for _name in _HTTP_LOGGERS:
    logging.getLogger(_name).addFilter(_RedactSecretQueries())


def count(name: str, value: int = 1) -> None:
    """Add to a count metric (no-op for zero, so quiet runs stay quiet)."""
    if value:
        _add(name, MetricUnit.Count, value)


def milliseconds(name: str, value: float) -> None:
    """Emit a duration metric in milliseconds."""
    _add(name, MetricUnit.Milliseconds, value)


def _add(name: str, unit: MetricUnit, value: float) -> None:
    # Powertools prints its automatic flush at 100 values of one metric even when
    # POWERTOOLS_METRICS_DISABLED is set (only flush_metrics honours it). Disabled, each
    # metric keeps one value: never 100, and the handler's flush still finds a metric
    # (an empty flush warns) and prints nothing.
    if is_metrics_disabled() and name in metrics.metric_set:
        return
    metrics.add_metric(name=name, unit=unit, value=value)
