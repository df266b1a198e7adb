"""A status change the disk refuses is kept and written once the folder takes writes again
(finding 9 of issue 25: a session stayed "running" for good after a read-only spell).

The fault is injected at the store's file-write seam (`atomic_json.atomic_write`); the
same on a real read-only mount is in tests/integration/test_disk_readonly.py."""

from __future__ import annotations

import errno
import json

import pytest

from mockflow.store import atomic_json, db
from tests.unit.store.helpers import ALICE, new_session
from tests.waiting import eventually


@pytest.fixture
def read_only(monkeypatch):
    """Switch the data folder read-only and back: `read_only(True)`/`read_only(False)`."""
    real = atomic_json.atomic_write
    state = {"on": False}

    def write(path, payload):
        if state["on"]:
            raise OSError(errno.EROFS, "Read-only file system")
        real(path, payload)

    monkeypatch.setattr(atomic_json, "atomic_write", write)
    return lambda on: state.update(on=on)


def status_on_disk(data_dir, session_id):
    sessions = json.loads((data_dir / "mockflow.json").read_text())["sessions"]
    return next(d["status"] for d in sessions.values() if d["id"] == session_id)


def test_a_refused_status_is_shown_and_saved_on_the_next_access(store, data_dir, read_only):
    record = new_session(store)
    store.set_status(ALICE, record.id, "running")
    read_only(True)
    ended = store.set_status(ALICE, record.id, "completed", end_reason="completed")
    assert ended.status == "completed" and ended.duration is not None
    assert store.get_session(ALICE, record.id).status == "completed"  # shown from memory
    assert [s.status for s in store.list_sessions(ALICE)] == ["completed"]
    assert store.sessions_left_running() == []  # not reaped as interrupted at a restart
    assert status_on_disk(data_dir, record.id) == "running"
    # a late "running" (its start raced its end) does not bring it back
    assert store.set_status(ALICE, record.id, "running").status == "completed"
    read_only(False)
    assert eventually(
        lambda: (
            store.get_session(ALICE, record.id)
            and (status_on_disk(data_dir, record.id) == "completed")
        ),
        timeout=10,
    )
    saved = store.get_session(ALICE, record.id)
    assert saved.end_reason == "completed" and saved.duration == ended.duration


def test_a_refused_status_is_saved_by_the_timer_without_any_access(
    store, data_dir, read_only, monkeypatch
):
    monkeypatch.setattr(db, "STATUS_RETRY_SECONDS", 0.05)
    record = new_session(store)
    read_only(True)
    store.set_status(ALICE, record.id, "failed", end_reason="error")
    read_only(False)
    assert eventually(lambda: status_on_disk(data_dir, record.id) == "failed", timeout=10)


def test_a_store_reopened_after_the_fault_shows_the_saved_status(store, data_dir, read_only):
    record = new_session(store)
    store.set_status(ALICE, record.id, "running")
    read_only(True)
    store.set_status(ALICE, record.id, "completed", end_reason="completed")
    read_only(False)
    store.close()  # closing writes what is still kept
    assert status_on_disk(data_dir, record.id) == "completed"
