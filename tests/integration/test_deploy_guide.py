"""docs/deploy.md's database setup, run as written by a master user that is not a superuser.

RDS's master user has CREATEROLE and CREATEDB but is not a superuser (rds_superuser is a
role, not SUPERUSER). PostgreSQL lets a role create a database owned by another role only
when it is a member of that role ("must be member of role ..."; PostgreSQL 16+: "must be
able to SET ROLE ..."), https://www.postgresql.org/docs/current/sql-createdatabase.html.
The guide's SQL block is extracted and run statement by statement, as psql would, with
only the role and database names made unique (the server is shared).
"""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pg8000.native
import pytest

from adsync.config import database_from_url
from adsync.db.connection import Database, connect
from adsync.db.migrate import apply_migrations, migration_files
from local.postgres import server_url, with_database

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def guide_sql() -> list[str]:
    """The statements of the guide's `CREATE ROLE adsync` block, comments dropped."""
    blocks = re.findall(r"```sql\n(.*?)```", GUIDE.read_text("utf-8"), flags=re.DOTALL)
    (block,) = [b for b in blocks if "CREATE ROLE adsync" in b]
    lines = [line.split("--")[0] for line in block.splitlines()]
    return [s.strip() for s in " ".join(lines).split(";") if s.strip()]


def admin() -> pg8000.native.Connection:
    return connect(database_from_url(server_url()), application_name="adsync-guide-test")


@contextmanager
def rds_like_master(url: str) -> Iterator[tuple[str, str, str]]:
    """A non-superuser master role with CREATEROLE and CREATEDB, plus unique names for the
    guide's role and database; everything dropped afterwards."""
    suffix = uuid.uuid4().hex[:10]
    master, role, database = f"master_{suffix}", f"adsync_{suffix}", f"shopee_ads_{suffix}"
    conn = admin()
    conn.run(f"CREATE ROLE {master} LOGIN CREATEROLE CREATEDB")
    try:
        yield master, role, database
    finally:
        conn.run(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.run(f"DROP ROLE IF EXISTS {role}")
        conn.run(f"DROP ROLE IF EXISTS {master}")
        conn.close()


def run_as(url: str, user: str, statements: list[str]) -> None:
    settings = replace(database_from_url(url), user=user)
    conn = connect(settings, application_name="adsync-guide-test")
    try:
        for statement in statements:
            conn.run(statement)
    finally:
        conn.close()


def renamed(statements: list[str], role: str, database: str) -> list[str]:
    return [re.sub(r"\badsync\b", role, re.sub(r"\bshopee_ads\b", database, s)) for s in statements]


@pytest.fixture
def url() -> str:
    found = server_url()
    if database_from_url(found).unix_sock:
        pytest.skip("needs a TCP server that accepts any role (DATABASE_URL with trust auth)")
    return found


def test_the_guide_s_sql_works_for_a_master_that_is_not_a_superuser(url: str) -> None:
    statements = guide_sql()
    assert any(s.startswith("GRANT adsync TO CURRENT_USER") for s in statements)
    with rds_like_master(url) as (master, role, database):
        run_as(url, master, renamed(statements, role, database))
        # The new role owns the database and creates every table on the first deploy.
        settings = replace(database_from_url(with_database(url, database)), user=role)
        db = Database(settings)
        try:
            applied = apply_migrations(db)
            timeout = db.one("SELECT current_setting('statement_timeout') AS value")
        finally:
            db.close()
    assert applied == [version for version, _ in migration_files()]
    assert timeout == {"value": "25s"}  # the role's default, not a SET per connection


def test_without_the_grant_the_master_cannot_create_the_database(url: str) -> None:
    """Why the guide has the GRANT: the statement it fixes fails without it."""
    statements = [s for s in guide_sql() if not s.startswith("GRANT")]
    with (
        rds_like_master(url) as (master, role, database),
        pytest.raises(pg8000.native.DatabaseError, match=r"must be (a )?member of role|SET ROLE"),
    ):
        run_as(url, master, renamed(statements, role, database))
