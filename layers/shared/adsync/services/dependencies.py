"""Wiring: builds the gateways a service needs from the environment, once per container.

One set per container, shared by its record threads (the worker hands its set to
them): the database is a small pool (`adsync.db.pool`, 2 connections) that lends each
connection to one thread at a time, and the request budget reserves slots through it.

Constructed, never located: each function's `make_handler(deps)` closes over the set it
is given, and its module ends with `handler = make_handler(Dependencies())` (Lambda runs
one container per process). The local runtime builds one set per thread and function
(`local.lambda_runtime.LambdaRuntime`). No module-level registry: a test that wants a
frozen clock or a broken database builds its own set.
"""

import os
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from functools import cached_property
from typing import Any, Self, TypeVar, overload

from adsync.clock import Clock, utc_now
from adsync.config import (
    PartnerCredentials,
    Settings,
    database_settings_provider,
    load_database_settings,
    load_partner_credentials,
    load_settings,
)
from adsync.db.admin_store import AdminStore
from adsync.db.ads_store import AdsStore
from adsync.db.budget_store import BudgetStore
from adsync.db.connection import Database
from adsync.db.gms_store import GmsStore
from adsync.db.job_store import JobStore
from adsync.db.partner_store import PartnerStore
from adsync.db.pool import ConnectionPool
from adsync.db.shop_store import ShopStore
from adsync.db.totals_store import TotalsStore
from adsync.errors import ConfigError
from adsync.partners import Partner, budget_name
from adsync.queue import QueueGateway
from adsync.services.budget import RateBudget
from adsync.services.partners import PartnerApi, PartnerApis
from adsync.services.tokens import TokenManager, refresh_margin_from_env
from adsync.shopee.client import ShopeeClient, Transport

T = TypeVar("T")

# What a function's `make_handler(deps)` returns: Lambda's handler (event, context) -> reply.
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class _built_once(cached_property[T]):
    """`cached_property` built under the instance's lock: the record threads of a
    container share one set, and two threads building a pool at once would open two."""

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> T: ...
    def __get__(self, instance: object, owner: type[Any] | None = None) -> "T | Self":
        if instance is None:
            return self
        with instance._building:  # type: ignore[attr-defined]
            return super().__get__(instance, owner)


class Dependencies:
    """Lazily built gateways: enqueue never reads the partner key, cleanup never calls SQS."""

    def __init__(
        self,
        *,
        env: Mapping[str, str] | None = None,
        clock: Clock = utc_now,
        sqs: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._env = dict(os.environ if env is None else env)
        self.clock = clock
        self.sleep = sleep
        self._sqs = sqs
        self._building = threading.RLock()

    @property
    def env(self) -> Mapping[str, str]:
        """The environment this container was built from (read-only)."""
        return self._env

    @_built_once
    def settings(self) -> Settings:
        """The settings, parsed from the environment once."""
        return load_settings(self._env)

    @_built_once
    def db(self) -> Database:
        """The container's pool of connections (opened on first use)."""
        return ConnectionPool(
            load_database_settings(self._env),
            refresh_settings=database_settings_provider(self._env),
        )

    @_built_once
    def jobs(self) -> JobStore:
        """The job table."""
        return JobStore(self.db)

    @_built_once
    def shops(self) -> ShopStore:
        """The shop table."""
        return ShopStore(self.db)

    @_built_once
    def admin(self) -> AdminStore:
        """The operator console's store."""
        return AdminStore(self.db)

    @_built_once
    def ads(self) -> AdsStore:
        """The ads tables."""
        return AdsStore(self.db)

    @_built_once
    def gms(self) -> GmsStore:
        """The Product GMS tables."""
        return GmsStore(self.db)

    @_built_once
    def totals(self) -> TotalsStore:
        """The recorded differences of totals vs their parts."""
        return TotalsStore(self.db)

    @_built_once
    def queue(self) -> QueueGateway:
        """The priority queues."""
        sqs = self._sqs
        if sqs is None:
            # Imported on first use: boto3 is a fifth of a second of cold start, and a
            # worker that only completes jobs never calls SQS itself (the mapping deletes).
            import boto3

            # A session per container: boto3's default session is not thread-safe.
            sqs = boto3.session.Session().client("sqs")
        return QueueGateway(sqs=sqs, settings=self.settings)

    @_built_once
    def partner_credentials(self) -> PartnerCredentials:
        """Read once per container (from Secrets Manager in AWS)."""
        return load_partner_credentials(self._env)

    @_built_once
    def budget(self) -> RateBudget | None:
        """The per-partner request budget, on the container's pool (None: off)."""
        rate = self.settings.partner_requests_per_second
        if rate is None:
            return None
        return RateBudget(
            store=BudgetStore(self.db),
            name=budget_name(self.partner_credentials.partner_id),
            rate_per_second=rate,
            clock=self.clock,
            sleep=self.sleep,
        )

    @_built_once
    def shopee(self) -> ShopeeClient:
        """The Shopee client, its calls paced by the partner's request budget."""
        budget = self.budget
        return ShopeeClient(
            Transport(
                base_url=self.settings.shopee_base_url,
                credentials=self.partner_credentials,
                clock=self.clock,
                sleep=self.sleep,
                on_call=budget.acquire if budget else None,
            )
        )

    @_built_once
    def tokens(self) -> TokenManager:
        """The default partner's shops' tokens, refreshed when they near expiry."""
        return self._token_manager(self.shopee, self.budget)

    def _token_manager(self, client: ShopeeClient, budget: RateBudget | None) -> TokenManager:
        """The tokens of the shops of the app `client` signs for, its refreshes paced by
        that app's `budget`."""
        return TokenManager(
            db=self.db,
            shops=self.shops,
            client=client,
            clock=self.clock,
            refresh_margin=refresh_margin_from_env(self._env),
            prepaid=budget.prepaid if budget else nullcontext,
        )

    @_built_once
    def partners(self) -> PartnerStore:
        """The partner apps and each shop's."""
        return PartnerStore(self.db)

    @_built_once
    def partner_apis(self) -> PartnerApis:
        """Each partner app's client, tokens and budget (adsync.services.partners)."""
        return PartnerApis(
            store=self.partners,
            build=self._partner_api,
            default=self._default_partner_api,
            clock=self.clock,
            env=self._env,
        )

    def partner_api(self, shop_id: int) -> PartnerApi:
        """The client, tokens and budget of the shop's partner app."""
        return self.partner_apis.for_shop(shop_id)

    def _default_credentials(self) -> PartnerCredentials | None:
        try:
            return self.partner_credentials
        except ConfigError:
            return None

    @property
    def default_partner_id(self) -> int | None:
        """The deployment's default partner app (SHOPEE_PARTNER_*), whose shops name no
        partner; None when none is configured."""
        credentials = self._default_credentials()
        return credentials.partner_id if credentials else None

    def _default_partner_api(self) -> PartnerApi:
        return PartnerApi(
            partner_id=self.partner_credentials.partner_id,
            client=self.shopee,
            tokens=self.tokens,
            budget=self.budget,
        )

    def _partner_api(self, partner: Partner, credentials: PartnerCredentials) -> PartnerApi:
        if (
            credentials == self._default_credentials()
            and partner.requests_per_second is None
            and partner.base_url == self.settings.shopee_base_url
        ):
            # The deployment's own app, its rate and host not overridden by its row: the
            # same client, tokens and budget, whose slots the claim reserves (a second
            # budget object would reserve its own).
            return self._default_partner_api()
        budget = None
        # NULL: the deployment's PARTNER_REQUESTS_PER_SECOND, on this partner's own row.
        rate = partner.requests_per_second or self.settings.partner_requests_per_second
        if rate is not None:
            budget = RateBudget(
                store=BudgetStore(self.db),
                name=partner.budget_name,
                rate_per_second=rate,
                clock=self.clock,
                sleep=self.sleep,
            )
        client = ShopeeClient(
            Transport(
                base_url=partner.base_url,
                credentials=credentials,
                clock=self.clock,
                sleep=self.sleep,
                on_call=budget.acquire if budget else None,
            )
        )
        return PartnerApi(
            partner_id=partner.id,
            client=client,
            tokens=self._token_manager(client, budget),
            budget=budget,
        )

    def close(self) -> None:
        """Close what was opened (the database connection)."""
        if "db" in self.__dict__:
            self.db.close()
