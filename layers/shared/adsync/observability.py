"""Logger and metrics shared by every handler and service (Powertools).

Metrics carry only the low-cardinality `service` dimension (never a shop or job id);
shop_id and job_id go into structured log keys instead. Nothing here may log a token.
"""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "shopee-ads-sync"
NAMESPACE = "ShopeeAdsSync"

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)


def count(name: str, value: int = 1) -> None:
    """Add to a count metric (no-op for zero, so quiet runs stay quiet)."""
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def milliseconds(name: str, value: float) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=value)
