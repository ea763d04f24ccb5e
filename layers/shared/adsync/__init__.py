"""Shopee Ads Sync: the shared runtime package deployed as a Lambda layer.

It owns the domain (jobs, shops, ads rows), the Postgres and SQS gateways, the Shopee
client and the services the handlers call. It must never import from `local/` (the
simulator and the local runtime) nor from `functions/`.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
