"""Retention at app start-up: the services erase anonymous users idle past the retention
period (real files, the real start-up path), and keep everyone else."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mockflow.app.retention import DAY_SECONDS
from mockflow.app.setup import InterviewSetup, session_meta
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.contracts.meta import write_meta
from mockflow.store.db import Store
from mockflow.ui.services import build_services

pytestmark = pytest.mark.integration


def seed(data_dir: Path, user: str, at: float) -> Path:
    store = Store(data_dir / "mockflow.json", data_dir / "sessions", clock=lambda: at)
    record = store.create_session(user, role="SRE", track="behavioral", level="mid", mode="text")
    write_meta(
        Path(record.session_dir),
        session_meta(InterviewSetup(name="Ana", role="SRE"), record=record),
    )
    store.set_status(user, record.id, "completed")
    store.close()
    return Path(record.session_dir)


def test_the_app_erases_idle_anonymous_users_at_start_up(tmp_path):
    data_dir = tmp_path / "data"
    idle, recent = new_browser_id(), new_browser_id()
    idle_folder = seed(data_dir, idle, time.time() - 31 * DAY_SECONDS)
    seed(data_dir, recent, time.time() - 2 * DAY_SECONDS)
    settings = Settings(
        data_dir=data_dir, secret_key="a passphrase for the tests", public=True, pool_size=0
    )
    services = build_services(settings, {})
    try:
        services.retention.close()  # waits for the start-up run
        assert services.store.list_sessions(idle) == [] and not idle_folder.exists()
        assert len(services.store.list_sessions(recent)) == 1
    finally:
        services.close()
