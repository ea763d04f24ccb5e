"""The error tree of the whole package.

    AdsSyncError
    ├── ConfigError            a required setting is missing or malformed
    ├── BadEventError          a Lambda event or SQS message we cannot act on
    ├── DatabaseError          Postgres refused or is unreachable (pg8000 translated)
    │   └── MigrationError     a migration (or the seed adoption) failed; names which
    ├── ShopBusyError          another job of the shop is running (a deferral)
    ├── QueueError             SQS refused a call (botocore translated)
    ├── ShopNotReadyError      the shop cannot be synced now (no token, needs re-auth)
    ├── LeaseLostError         another run took the job over (ours outlived its lease)
    └── ShopeeError            see adsync.shopee.errors for its own subtree

Foreign exceptions are translated where they enter (`raise ... from exc`). The
docstring of each class is its default message.
"""


class AdsSyncError(Exception):
    """Shopee Ads Sync failed."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class ConfigError(AdsSyncError):
    """A required setting is missing or malformed."""


class BadEventError(AdsSyncError):
    """The event cannot be processed."""


# SQLSTATE classes that blame the server or the connection, not the statement:
# invalid authorization (a rotated secret), transaction rollback (serialization,
# deadlock), insufficient resources (too many connections), operator intervention
# (shutdown, "cannot connect now", a cancelled statement), system error. Plus "lock not
# available" and "object in use". Everything else (bad data, a constraint, a bug) is
# the statement's own.
_TRANSIENT_CLASSES = ("08", "28", "40", "53", "57", "58")
_TRANSIENT_STATES = frozenset({"55P03", "55006"})


class DatabaseError(AdsSyncError):
    """The database refused the operation or is unreachable."""

    def __init__(self, message: str | None = None, *, sqlstate: str = "") -> None:
        self.sqlstate = sqlstate
        super().__init__(message)

    @property
    def transient(self) -> bool:
        """True when the database, not the statement, failed: no reply at all (a lost
        connection, an unreachable server: no SQLSTATE) or a server-side condition that
        passes (a restart, a failover, a deadlock, too many connections)."""
        code = self.sqlstate
        return not code or code[:2] in _TRANSIENT_CLASSES or code in _TRANSIENT_STATES


class MigrationError(DatabaseError):
    """A database migration failed."""


class ShopBusyError(AdsSyncError):
    """Another job of this shop is running; this one waits its turn (not a failure)."""


class QueueError(AdsSyncError):
    """SQS refused the operation."""


class ShopNotReadyError(AdsSyncError):
    """The shop cannot be synced until an operator acts (token missing or revoked)."""


class LeaseLostError(AdsSyncError):
    """Another run owns this job now; this run's writes were rolled back."""
