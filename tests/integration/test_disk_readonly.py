"""A data folder that turns read-only mid-interview and writable again leaves every
session's status right (finding 9 of issue 25: the session stayed "running" for good).

The folder is made read-only for real: a read-only bind mount over it (chmod does not
stop root). Mounting needs root: CI runs as root, so this runs there; elsewhere it is
skipped with the reason. The same with the fault injected at the store's write seam is
tests/unit/store/test_status_retry.py."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from mockflow.contracts.ids import new_browser_id
from mockflow.store import db
from mockflow.store.db import Store
from tests.waiting import eventually

pytestmark = pytest.mark.integration
USER = new_browser_id()


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` read-only until the block ends (a read-only bind mount over itself)."""
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root (CI runs the tests as root)")
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip(f"can't bind-mount here: {bound.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        with pytest.raises(OSError):
            (folder / "probe").write_text("x")
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def status_on_disk(data_dir: Path, session_id: str) -> str:
    sessions = json.loads((data_dir / "mockflow.json").read_text())["sessions"]
    return next(d["status"] for d in sessions.values() if d["id"] == session_id)


def test_a_status_written_while_read_only_is_saved_once_writable(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "STATUS_RETRY_SECONDS", 0.2)
    data_dir = tmp_path / "data"
    store = Store(data_dir / "mockflow.json", data_dir / "sessions")
    try:
        record = store.create_session(
            USER, role="SRE", track="behavioral", level="mid", mode="text"
        )
        store.set_status(USER, record.id, "running")
        with read_only(data_dir):
            # the interview ends while the folder is read-only: no error reaches the caller
            store.set_status(USER, record.id, "completed", end_reason="completed")
            assert store.get_session(USER, record.id).status == "completed"
            assert [s.status for s in store.list_sessions(USER)] == ["completed"]
            assert status_on_disk(data_dir, record.id) == "running"
        # writable again: saved without anyone asking (the retry timer)
        assert eventually(lambda: status_on_disk(data_dir, record.id) == "completed", 30)
    finally:
        store.close()
    reopened = Store(data_dir / "mockflow.json", data_dir / "sessions")
    try:
        assert reopened.get_session(USER, record.id).status == "completed"
        assert reopened.sessions_left_running() == []
    finally:
        reopened.close()
