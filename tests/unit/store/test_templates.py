"""Saved set-ups: kept by name per user, replaced in place, and refused when unnamed or
oversized."""

from __future__ import annotations

import pytest

from mockflow.store.db import (
    StoreError,
)
from tests.unit.store.helpers import (
    ALICE,
)


def test_templates_are_saved_by_name_and_replaced_in_place(store):
    first = store.save_template(ALICE, "Backend", {"role": "Backend", "level": "mid"})
    store.save_template(ALICE, "Amazon", {"role": "SDE"})
    again = store.save_template(ALICE, "Backend", {"role": "Backend", "level": "senior"})
    assert again.id == first.id
    assert [t.name for t in store.list_templates(ALICE)] == ["Amazon", "Backend"]
    assert store.get_template(ALICE, "Backend").setup["level"] == "senior"
    store.delete_template(ALICE, "Amazon")
    assert [t.name for t in store.list_templates(ALICE)] == ["Backend"]


def test_oversized_or_unnamed_templates_are_refused(store):
    with pytest.raises(StoreError, match="too large"):
        store.save_template(ALICE, "big", {"job_description": "x" * 40_000})
    with pytest.raises(StoreError, match="name"):
        store.save_template(ALICE, "   ", {"role": "x"})
