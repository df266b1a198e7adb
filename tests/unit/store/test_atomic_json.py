"""The database file on disk: written whole or not at all, private, kept in three
generations, and one clear error for a folder it cannot use."""

from __future__ import annotations

import errno
import json
import os
import threading

import pytest

import mockflow.store.atomic_json
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import (
    CorruptDatabaseError,
    DatabaseInUseError,
    DataDirNotWritableError,
    StoreError,
)
from tests.unit.store.helpers import (
    ALICE,
    new_session,
    open_store,
    truncate,
    write_sessions,
)


def test_a_second_store_on_the_same_data_folder_is_refused_until_the_first_closes(data_dir):
    first = open_store(data_dir)
    with pytest.raises(DatabaseInUseError, match="already using the data folder"):
        open_store(data_dir)
    first.close()
    open_store(data_dir).close()


def test_database_file_is_private_to_the_owner(store, data_dir):
    new_session(store)
    assert (data_dir / "mockflow.json").stat().st_mode & 0o777 == 0o600


def test_leftover_temp_files_of_a_crashed_write_are_cleaned_up(data_dir):
    open_store(data_dir).close()
    stale = data_dir / ".mockflow.json.abc123.tmp"
    stale.write_text('{"half')
    open_store(data_dir).close()
    assert not stale.exists()


def test_concurrent_writers_lose_nothing(data_dir):
    store = open_store(data_dir)

    def write_many(user: str) -> None:
        for _ in range(15):
            store.set_status(user, new_session(store, user).id, "running")

    users = [new_browser_id() for _ in range(6)]
    threads = [threading.Thread(target=write_many, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    reopened = open_store(data_dir)
    for user in users:
        sessions = reopened.list_sessions(user)
        assert len(sessions) == 15 and {s.status for s in sessions} == {"running"}


def test_a_failed_write_is_reported_and_not_half_applied(store, monkeypatch):
    record = new_session(store)

    def disk_full(path, payload):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(mockflow.store.atomic_json, "atomic_write", disk_full)
    with pytest.raises(StoreError, match="No space left on device"):
        store.save_template(ALICE, "t", {"role": "SRE"})  # (a status change is kept: see
    monkeypatch.undo()  # test_status_retry.py)
    assert store.list_templates(ALICE) == []
    assert store.get_session(ALICE, record.id).status == "starting"


def test_each_write_keeps_three_previous_generations(data_dir):
    store = open_store(data_dir)
    for n in range(5):
        store.save_template(ALICE, "t", {"n": n})
    store.close()
    copies = [json.loads((data_dir / f"mockflow.json.{i}").read_bytes()) for i in (1, 2, 3)]
    assert [list(c["templates"].values())[0]["setup"]["n"] for c in copies] == [3, 2, 1]
    assert not (data_dir / "mockflow.json.4").exists()
    for i in (1, 2, 3):
        assert (data_dir / f"mockflow.json.{i}").stat().st_mode & 0o777 == 0o600


def test_a_damaged_database_can_be_refused_instead(data_dir):
    write_sessions(data_dir)
    damaged = truncate(data_dir / "mockflow.json")
    with pytest.raises(CorruptDatabaseError, match="damaged") as error:
        open_store(data_dir, on_corrupt="raise")
    assert str(data_dir / "mockflow.json") in str(error.value)
    assert (data_dir / "mockflow.json").read_bytes() == damaged


def test_a_failed_write_names_no_server_path(store, monkeypatch, data_dir):
    new_session(store)

    def read_only(path, payload):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(mockflow.store.atomic_json, "atomic_write", read_only)
    with pytest.raises(StoreError) as error:
        store.save_template(ALICE, "t", {"role": "SRE"})
    assert "Read-only file system" in str(error.value)
    assert str(data_dir) not in str(error.value) and "/" not in str(error.value)


def test_a_data_dir_that_cannot_be_created_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(DataDirNotWritableError, match="MOCKFLOW_DATA_DIR") as error:
        open_store(blocker / "data")
    assert "Can't write to the data folder" in str(error.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_a_read_only_data_dir_gives_a_clear_error(data_dir):
    data_dir.mkdir(parents=True)
    data_dir.chmod(0o500)
    try:
        with pytest.raises(DataDirNotWritableError, match="MOCKFLOW_DATA_DIR"):
            open_store(data_dir)
    finally:
        data_dir.chmod(0o700)
