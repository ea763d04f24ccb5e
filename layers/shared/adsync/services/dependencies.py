"""Wiring: builds the gateways a service needs from the environment, once per container.

Each thread gets its own set (one thread = one Lambda container when the local
runtime runs workers side by side): a pg8000 connection must not be shared.
"""

import os
import threading
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import boto3

from adsync.clock import Clock, utc_now
from adsync.config import Settings, load_database_settings, load_partner_credentials, load_settings
from adsync.db.ads_store import AdsStore
from adsync.db.connection import Database
from adsync.db.job_store import JobStore
from adsync.db.shop_store import ShopStore
from adsync.queue import QueueGateway
from adsync.shopee.client import ShopeeClient


class Dependencies:
    """Lazily built gateways: enqueue never reads the partner key, cleanup never calls SQS."""

    def __init__(
        self, *, env: Mapping[str, str] | None = None, clock: Clock = utc_now, sqs: Any = None
    ) -> None:
        self._env = dict(os.environ if env is None else env)
        self.clock = clock
        self._sqs = sqs

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self._env)

    @cached_property
    def db(self) -> Database:
        return Database(load_database_settings(self._env))

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(self.db)

    @cached_property
    def shops(self) -> ShopStore:
        return ShopStore(self.db)

    @cached_property
    def ads(self) -> AdsStore:
        return AdsStore(self.db)

    @cached_property
    def queue(self) -> QueueGateway:
        # A session per container: boto3's default session is not thread-safe.
        sqs = self._sqs or boto3.session.Session().client("sqs")
        return QueueGateway(sqs=sqs, settings=self.settings)

    @cached_property
    def shopee(self) -> ShopeeClient:
        return ShopeeClient(
            base_url=self.settings.shopee_base_url,
            credentials=load_partner_credentials(self._env),
            clock=self.clock,
        )

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()


_local = threading.local()


def current() -> Dependencies:
    """The dependencies of this container (thread), built on first use."""
    deps: Dependencies | None = getattr(_local, "deps", None)
    if deps is None:
        deps = Dependencies()
        _local.deps = deps
    return deps


def install(deps: Dependencies) -> None:
    """Use these dependencies in this thread (tests inject a frozen clock this way)."""
    reset()
    _local.deps = deps


def reset() -> None:
    """Forget this thread's dependencies (tests and the local runtime change the env)."""
    deps: Dependencies | None = getattr(_local, "deps", None)
    if deps is not None:
        deps.close()
    _local.deps = None
