"""A real Postgres for local runs and tests: `DATABASE_URL` if set, else an embedded one.

The embedded server is `pgserver` (real Postgres binaries from PyPI), kept in
`.local/pgdata` so that a second run starts in under a second.
"""

import os
import re
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pg8000.native

from adsync.config import database_from_url
from adsync.db.connection import connect

DATA_DIR = Path(__file__).resolve().parent.parent / ".local" / "pgdata"
LOCAL_DATABASE = "adsync_local"  # `python -m local run` leaves its fleet here; the console reads it


def server_url() -> str:
    """The URL of the Postgres to use: `DATABASE_URL`, else the embedded server."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server

        DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(DATA_DIR, cleanup_mode="stop")
    return str(server.get_uri())


def _admin(url: str) -> pg8000.native.Connection:
    return connect(database_from_url(url), application_name="adsync-admin")


def redacted(url: str) -> str:
    """The URL to show a person: its password replaced, everything else kept."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@", 1)
    return urlunparse(parsed._replace(netloc=netloc))


def with_database(url: str, name: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{name}"))


@contextmanager
def scratch_database(url: str, *, prefix: str = "adsync") -> Iterator[str]:
    """A fresh, empty database on the server at `url`, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _admin(url)
    try:
        admin.run(f'CREATE DATABASE "{name}"')
        yield with_database(url, name)
    finally:
        admin.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def checked_name(name: str) -> str:
    """A database name the runner may create: lower case letters, digits, underscores."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"database name must match {_NAME.pattern}, got {name!r}")
    return name


def existing_database(url: str, name: str) -> str:
    """Database `name` on the server at `url`, created if missing (never dropped); its URL."""
    admin = _admin(url)
    try:
        if not admin.run("SELECT 1 FROM pg_database WHERE datname = :name", name=name):
            admin.run(f'CREATE DATABASE "{checked_name(name)}"')
    finally:
        admin.close()
    return with_database(url, name)


def fresh_database(url: str, name: str) -> str:
    """Drop and recreate database `name` on the server at `url`; return its URL.

    The local runner's data stays there after a run, for psql and dashboards.
    """
    admin = _admin(url)
    try:
        admin.run(f'DROP DATABASE IF EXISTS "{checked_name(name)}" WITH (FORCE)')
        admin.run(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()
    return with_database(url, name)
