"""A Shopee client pointed at a local stack's simulator, for the client tests."""

from adsync.clock import Clock
from adsync.config import PartnerCredentials
from adsync.shopee.client import ShopeeClient, Transport
from adsync.shopee.transport import DEFAULT_TIMEOUT
from local.stack import LocalStack


def client_for(
    stack: LocalStack, clock: Clock, *, timeout: tuple[float, float] = DEFAULT_TIMEOUT
) -> ShopeeClient:
    """The client the stack's partner would build, on `clock`, never sleeping."""
    settings = stack.simulator.settings
    return ShopeeClient(
        Transport(
            base_url=stack.server.base_url,
            credentials=PartnerCredentials(
                partner_id=settings.partner_id, partner_key=settings.partner_key
            ),
            clock=clock,
            timeout=timeout,
            sleep=lambda _: None,
        )
    )
