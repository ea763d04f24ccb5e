"""The sync of one shop for one job: which days, which calls, which rows.

Reads Shopee through the client and writes through the stores; the rows and the
job's completion are committed in one transaction, so a job is never `completed`
without its data.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from adsync.errors import LeaseLostError, ShopNotReadyError
from adsync.jobs import Job, SyncType
from adsync.regions import local_day
from adsync.services.dependencies import Dependencies
from adsync.shopee.client import ShopAuth
from adsync.shops import Shop, ShopStatus

FULL_BACKFILL_DAYS = 7


@dataclass(frozen=True, kw_only=True)
class SyncStats:
    start_day: date
    end_day: date
    campaigns: int
    rows: int

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["start_day"] = self.start_day.isoformat()
        data["end_day"] = self.end_day.isoformat()
        return data


def days_for(job: Job, *, region: str, now: datetime) -> tuple[date, date]:
    """The shop-local days a job covers."""
    today = local_day(region, now)
    if job.sync_type == SyncType.REALTIME:
        return today, today
    if job.sync_type == SyncType.BACKFILL_DAY:
        day = job.target_day or today - timedelta(days=job.days_ago or 1)
        return day, day
    if job.sync_type == SyncType.BACKFILL_FULL:
        return today - timedelta(days=FULL_BACKFILL_DAYS - 1), today
    raise ShopNotReadyError(f"job {job.id} has unknown sync_type {job.sync_type!r}")


def ready_shop(job: Job, deps: Dependencies) -> Shop:
    shop = deps.shops.get(job.shop_id)
    if shop is None:
        raise ShopNotReadyError(f"shop {job.shop_id} is not in apishopee_shops")
    if shop.status is ShopStatus.NEEDS_REAUTH:
        raise ShopNotReadyError(f"shop {job.shop_id} needs re-authorization by the seller")
    if not shop.has_token:
        raise ShopNotReadyError(f"shop {job.shop_id} has no access token; authorize it first")
    return shop


def sync_job(job: Job, deps: Dependencies) -> SyncStats:
    """Fetch the job's data from Shopee, then upsert it and complete the job atomically."""
    shop = ready_shop(job, deps)
    now = deps.clock()
    start, end = days_for(job, region=shop.region, now=now)
    auth = ShopAuth(shop_id=shop.shop_id, access_token=shop.access_token or "")
    refs = deps.shopee.get_campaign_ids(auth)
    rows = deps.shopee.get_campaign_daily_performance(
        auth, campaign_ids=[r.campaign_id for r in refs], start=start, end=end
    )
    stats = SyncStats(start_day=start, end_day=end, campaigns=len(refs), rows=len(rows))
    finished_at = deps.clock()
    with deps.db.transaction():
        deps.ads.upsert_campaign_daily(shop_id=shop.shop_id, rows=rows, synced_at=finished_at)
        completed = deps.jobs.complete(
            job_id=job.id, dispatch_id=job.dispatch_id, now=finished_at, stats=stats.as_json()
        )
        if not completed:
            # Our lease was taken over (we ran past it); the new owner writes the rows.
            raise LeaseLostError(f"job {job.id} is no longer ours; rolled back")
        deps.shops.mark_synced(shop_id=shop.shop_id, now=finished_at)
    return stats
