"""The store's test fixtures: a data folder under the test's temp dir, and a store on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.store.helpers import open_store


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path):
    store = open_store(data_dir)
    yield store
    store.close()
