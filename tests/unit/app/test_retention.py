"""Idle anonymous users are erased with everything of theirs; nobody else ever is."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from mockflow.app.retention import DAY_SECONDS, AnonymousRetention
from mockflow.config import EnvKeys, Settings
from mockflow.contracts.ids import LOCAL_USER_ID, hf_user_id, new_browser_id
from mockflow.errors import ConfigError
from mockflow.store.db import TOUCH_EVERY_SECONDS, Store
from mockflow.store.vault import Vault

IDLE, ACTIVE = new_browser_id(), new_browser_id()
HF = hf_user_id("ana")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world(tmp_path: Path):
    clock = Clock()
    store = Store(tmp_path / "mockflow.json", tmp_path / "sessions", clock=clock)
    vault = Vault(store, Fernet.generate_key(), public=True, env_keys=EnvKeys())
    retention = AnonymousRetention(store, vault.delete_user_data, days=30, clock=clock)
    yield clock, store, vault, retention
    store.close()


def give_data(store: Store, vault: Vault, user: str) -> Path:
    vault.update_keys(user, {"openai_api_key": "sk-abcdefgh12345678"})
    record = store.create_session(user, role="SRE", track="behavioral", level="mid", mode="text")
    store.set_status(user, record.id, "completed")
    Path(record.session_dir).mkdir(parents=True)
    (Path(record.session_dir) / "events.jsonl").write_text("")
    store.save_template(user, "t", {"role": "SRE"})
    return Path(record.session_dir)


def test_an_anonymous_user_idle_past_the_retention_is_erased_with_everything(world, tmp_path):
    clock, store, vault, retention = world
    folder = give_data(store, vault, IDLE)
    (tmp_path / "users" / IDLE).mkdir(parents=True)
    for user in (ACTIVE, LOCAL_USER_ID, HF):
        give_data(store, vault, user)
    clock.now += 29 * DAY_SECONDS
    store.touch(ACTIVE)
    assert retention.run_once() == []  # 29 days: kept
    clock.now += 1.5 * DAY_SECONDS
    assert retention.run_once() == [IDLE]
    assert store.list_sessions(IDLE) == [] and store.list_templates(IDLE) == []
    assert vault.stored_keys(IDLE).openai_api_key is None
    assert not folder.exists() and not (tmp_path / "users" / IDLE).exists()
    for user in (ACTIVE, LOCAL_USER_ID, HF):  # active, and never-anonymous, users stay
        assert len(store.list_sessions(user)) == 1
    assert all(IDLE not in p.read_text() for p in tmp_path.glob("mockflow.json*"))


def test_activity_is_written_at_most_once_an_hour(world, tmp_path):
    clock, store, _, _ = world
    store.touch(ACTIVE)
    before = (tmp_path / "mockflow.json").stat().st_mtime_ns
    for _ in range(50):
        clock.now += TOUCH_EVERY_SECONDS / 100
        store.touch(ACTIVE)  # a poll every 36 s
    assert (tmp_path / "mockflow.json").stat().st_mtime_ns == before
    clock.now += TOUCH_EVERY_SECONDS
    store.touch(ACTIVE)
    assert (tmp_path / "mockflow.json").stat().st_mtime_ns != before


def test_a_user_with_an_interview_running_is_never_erased(world):
    clock, store, _, retention = world
    store.create_session(IDLE, role="SRE", track="behavioral", level="mid", mode="text")
    clock.now += 90 * DAY_SECONDS
    assert retention.run_once() == []


def test_zero_days_keeps_everyone_and_the_setting_is_validated(world):
    clock, store, vault, _ = world
    give_data(store, vault, IDLE)
    clock.now += 999 * DAY_SECONDS
    keep = AnonymousRetention(store, vault.delete_user_data, days=0, clock=clock)
    assert keep.run_once() == []
    assert Settings.from_env({}).anon_retention_days == 30
    assert Settings.from_env({"MOCKFLOW_ANON_RETENTION_DAYS": "7"}).anon_retention_days == 7
    with pytest.raises(ConfigError, match="MOCKFLOW_ANON_RETENTION_DAYS"):
        Settings.from_env({"MOCKFLOW_ANON_RETENTION_DAYS": "-1"})


def test_the_task_runs_at_start_and_stops_on_close(world):
    clock, store, vault, _ = world
    give_data(store, vault, IDLE)
    clock.now += 31 * DAY_SECONDS
    retention = AnonymousRetention(store, vault.delete_user_data, days=30, clock=clock)
    retention.start()
    retention.close()  # joins the thread: its first run has finished
    assert store.list_sessions(IDLE) == []
    assert not retention._thread.is_alive()
