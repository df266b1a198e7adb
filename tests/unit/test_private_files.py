"""Every file of a session (and of the database) is readable by the app's user only, and
every folder the app creates for its data is 0700, the data folder itself included when the
app creates it (they were 0755 under the usual umask)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import pytest

from mockflow.app.setup import InterviewSetup, session_meta
from mockflow.contracts.events import EventWriter
from mockflow.contracts.ids import new_browser_id
from mockflow.contracts.job import beat
from mockflow.contracts.meta import write_meta
from mockflow.launch.local.environment import load_or_create_marker
from mockflow.launch.records import PidRecord, close_timeline, write_pid_file
from mockflow.private_files import make_private_dir
from mockflow.store.db import Store
from mockflow.store.vault import load_or_create_key_file
from mockflow.ui.launch import use_cache_dir

USER = new_browser_id()


@pytest.fixture(autouse=True)
def permissive_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_session_files_and_folders_are_private(tmp_path):
    data_dir = tmp_path / "data"
    store = Store(data_dir / "mockflow.json", data_dir / "sessions")
    record = store.create_session(USER, role="SRE", track="behavioral", level="mid", mode="text")
    session_dir = Path(record.session_dir)
    write_meta(session_dir, session_meta(InterviewSetup(name="Ana", role="SRE"), record=record))
    write_pid_file(session_dir, PidRecord(1, 1.0, "m", 2, 2.0))
    EventWriter(session_dir / "events.jsonl").close()
    close_timeline(session_dir, "completed")
    store.set_status(USER, record.id, "completed")
    store.save_feedback(USER, record.id, {"overall": 3})

    async def one_beat() -> None:
        task = asyncio.create_task(beat(session_dir / "worker.heartbeat", every=60))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(one_beat())
    store.save_template(USER, "t", {"role": "x"})  # a second write: a kept copy exists
    store.close()
    for folder in (data_dir, data_dir / "sessions", session_dir):
        assert mode(folder) == 0o700, folder.name
    names = ["meta.json", "agent.pid", "events.jsonl", "feedback.json", "worker.heartbeat"]
    for name in names:
        assert mode(session_dir / name) == 0o600, name
    for db in ("mockflow.json", "mockflow.json.1", "mockflow.json.lock"):
        assert mode(data_dir / db) == 0o600, db


def test_a_file_created_loosely_before_is_tightened(tmp_path):
    (tmp_path / "s").mkdir(mode=0o755)
    loose = tmp_path / "s" / "events.jsonl"
    loose.write_text("")
    loose.chmod(0o644)
    EventWriter(loose).close()
    assert mode(loose) == 0o600 and mode(tmp_path / "s") == 0o700


def folders_under(root: Path) -> list[Path]:
    return [root, *(Path(d) / n for d, names, _ in os.walk(root) for n in names)]


def test_missing_parents_are_created_private_and_existing_ones_are_left_alone(tmp_path):
    os.chmod(tmp_path, 0o755)  # the operator's folder
    make_private_dir(tmp_path / "srv" / "mockflow" / "sessions")
    assert mode(tmp_path) == 0o755
    for folder in ("srv", "srv/mockflow", "srv/mockflow/sessions"):
        assert mode(tmp_path / folder) == 0o700, folder


def test_an_existing_folder_is_tightened(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    make_private_dir(folder)
    assert mode(folder) == 0o700


def test_every_folder_the_app_makes_in_a_new_data_dir_is_0700(tmp_path):
    data_dir = tmp_path / "nested" / "data"
    use_cache_dir(data_dir / "cache", ours=True)  # the first thing the app does
    load_or_create_key_file(data_dir / "secret.key")
    load_or_create_marker(data_dir)
    store = Store(data_dir / "mockflow.json", data_dir / "sessions")
    record = store.create_session(USER, role="SRE", track="behavioral", level="mid", mode="text")
    store.set_status(USER, record.id, "completed")
    store.save_feedback(USER, record.id, {"overall": 3})  # makes the session folder
    store.close()
    make_private_dir(data_dir / "users" / USER)
    folders = folders_under(tmp_path / "nested")
    assert len(folders) >= 6
    assert {f.relative_to(tmp_path).as_posix(): oct(mode(f)) for f in folders} == {
        f.relative_to(tmp_path).as_posix(): oct(0o700) for f in folders
    }
