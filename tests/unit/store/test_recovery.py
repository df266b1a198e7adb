"""A damaged database: restored from the newest valid copy, or rebuilt from the session
folders, and each user told once."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from mockflow.contracts.ids import LOCAL_USER_ID
from tests.unit.store.helpers import (
    ALICE,
    BOB,
    open_store,
    truncate,
    write_sessions,
)

DAMAGE = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "garbage bytes": lambda raw: b"\xff\xfe\x00garbage" + raw[:40],
    "valid JSON of the wrong shape": lambda raw: b'{"sessions": [1, 2]}',
    "a JSON list": lambda raw: b"[1, 2]",
    "empty file": lambda raw: b"",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_database_is_restored_from_the_newest_valid_copy(data_dir, damage, caplog):
    ids = write_sessions(data_dir)
    db = data_dir / "mockflow.json"
    damaged = damage(db.read_bytes())
    db.write_bytes(damaged)
    with caplog.at_level(logging.ERROR):
        store = open_store(data_dir)
    assert store.recovered_from.read_bytes() == damaged
    assert "restored the copy mockflow.json.1" in caplog.text
    # the copy lags one write (the keys): the index is completed from the folders
    assert {s.id for s in store.list_sessions(ALICE)} == set(ids)
    assert store.last_recovery()["kind"] == "copy"
    store.close()
    assert json.loads(db.read_bytes())  # the restored state was written back


def test_damaged_copies_are_skipped_for_an_older_valid_one(data_dir):
    write_sessions(data_dir)
    db = data_dir / "mockflow.json"
    truncate(db)
    truncate(data_dir / "mockflow.json.1")
    store = open_store(data_dir)
    assert store.last_recovery()["kind"] == "copy"
    assert len(store.list_sessions(ALICE)) == 5


def test_with_every_copy_destroyed_sessions_are_rebuilt_from_their_folders(data_dir, caplog):
    ids = write_sessions(data_dir)
    for name in ("mockflow.json", "mockflow.json.1", "mockflow.json.2", "mockflow.json.3"):
        (data_dir / name).write_bytes(b"\x00junk")
    ended = Path(data_dir / "sessions" / ids[0] / "events.jsonl")
    ended.write_text(
        '{"t": 5.0, "type": "ready"}\n{"t": 65.0, "type": "ended", "reason": "completed"}\n'
    )
    with caplog.at_level(logging.ERROR):
        store = open_store(data_dir)
    assert "no valid copy" in caplog.text
    sessions = {s.id: s for s in store.list_sessions(ALICE)}
    assert set(sessions) == set(ids)
    assert sessions[ids[0]].status == "completed" and sessions[ids[0]].duration == 60.0
    assert sessions[ids[1]].status == "running"  # left for the start-up reaping to decide
    assert store.get_user_keys(ALICE) is None
    assert store.last_recovery()["kind"] == "index"
    assert "enter your keys again" in store.recovery_notice(ALICE)


def test_each_user_is_told_once_and_new_users_never(data_dir):
    write_sessions(data_dir)
    truncate(data_dir / "mockflow.json")
    store = open_store(data_dir)
    notice = store.recovery_notice(ALICE)
    assert notice.startswith("Your history was restored from a copy made at ")
    assert store.recovery_notice(ALICE) is None
    store.ensure_user(BOB)
    assert store.recovery_notice(BOB) is None
    store.close()
    assert open_store(data_dir).recovery_notice(ALICE) is None  # remembered in the store


def test_a_folder_without_an_owner_goes_to_the_orphan_owner_or_is_left_out(data_dir):
    (data_dir / "sessions" / "iv_oldformat123").mkdir(parents=True)
    (data_dir / "sessions" / "iv_oldformat123" / "meta.json").write_text('{"role": "SRE"}')
    data_dir.joinpath("mockflow.json").write_bytes(b"{")
    store = open_store(data_dir, orphan_owner=LOCAL_USER_ID)
    assert [s.role for s in store.list_sessions(LOCAL_USER_ID)] == ["SRE"]
    store.close()
    data_dir.joinpath("mockflow.json").write_bytes(b"{")
    for i in (1, 2, 3):
        data_dir.joinpath(f"mockflow.json.{i}").unlink(missing_ok=True)
    assert open_store(data_dir).list_sessions(LOCAL_USER_ID) == []
