"""`make mutants` can only report a guard as defended if its mutation still applies: an
entry whose text has moved away is reported "stale" and defends nothing. Each entry's text
is in its file, once."""

from pathlib import Path

import pytest

from tools.mutants import CATALOG, Mutation

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("mutation", CATALOG, ids=lambda m: m.name)
def test_every_mutation_still_applies(mutation: Mutation) -> None:
    source = (ROOT / mutation.path).read_text("utf-8")
    assert source.count(mutation.old) == 1, f"{mutation.path}: {mutation.old!r}"
