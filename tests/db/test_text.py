"""Text Postgres cannot hold is cleaned before it is sent, and a statement that failed
while being written never leaves the connection answering the wrong question."""

import uuid
from collections.abc import Iterator

import pytest

from adsync.config import database_from_url
from adsync.db.connection import Database
from adsync.db.params import REPLACEMENT, Json
from adsync.errors import DatabaseError

BAD = "shopee said \ud800 and \x00 then stopped"
CLEAN = f"shopee said {REPLACEMENT} and {REPLACEMENT} then stopped"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_from_url(database_url))
    yield database
    database.close()


@pytest.fixture
def table(db: Database) -> Iterator[str]:
    name = f"text_probe_{uuid.uuid4().hex[:12]}"
    db.run(f"CREATE TABLE {name} (id int PRIMARY KEY, body text, doc jsonb)")
    yield name
    db.run(f"DROP TABLE {name}")


def test_nul_and_lone_surrogates_are_stored_cleaned(db: Database, table: str) -> None:
    db.run(
        f"INSERT INTO {table} VALUES (1, :body, :doc::jsonb)",
        body=BAD,
        doc=Json({"error": BAD, "items": [BAD]}),
    )
    row = db.one(f"SELECT body, doc FROM {table} WHERE id = 1")
    assert row == {"body": CLEAN, "doc": {"error": CLEAN, "items": [CLEAN]}}
    assert db.run(f"SELECT id FROM {table} ORDER BY id") == [{"id": 1}]


def test_an_encoding_failure_discards_the_connection(
    db: Database, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were text to reach pg8000 uncleaned, encoding fails halfway through the message;
    # that connection must go, or the next statement reads a stale reply.
    monkeypatch.setattr("adsync.db.connection.clean_params", dict)
    db.run(f"INSERT INTO {table} VALUES (1, 'one', NULL)")
    with pytest.raises(DatabaseError, match="UnicodeEncodeError"):
        db.run(f"INSERT INTO {table} VALUES (2, :body, NULL)", body="\ud800")
    assert db.run(f"SELECT id, body FROM {table} ORDER BY id") == [{"id": 1, "body": "one"}]
    claimed = db.run(f"UPDATE {table} SET body = 'claimed' WHERE id = 1 RETURNING id")
    assert claimed == [{"id": 1}]  # a claim that ran reads as the row it claimed
