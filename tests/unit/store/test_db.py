"""The store: scoped per user, atomic on disk, clear about damaged files."""

from __future__ import annotations

import errno
import inspect
import json
import logging
import os
import threading
from pathlib import Path

import pytest

import mockflow.store.atomic_json
from mockflow.contracts.ids import LOCAL_USER_ID, new_browser_id
from mockflow.store.db import (
    CorruptDatabaseError,
    DatabaseInUseError,
    DataDirNotWritableError,
    NotFoundError,
    Store,
    StoreError,
)
from mockflow.store.session_files import FEEDBACK_FILE

ALICE = new_browser_id()
BOB = new_browser_id()


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def open_store(data_dir: Path, **kwargs) -> Store:
    return Store(data_dir / "mockflow.json", data_dir / "sessions", clock=Clock(), **kwargs)


@pytest.fixture
def store(data_dir: Path):
    store = open_store(data_dir)
    yield store
    store.close()


def new_session(store: Store, user: str = ALICE, role: str = "Backend Engineer"):
    return store.create_session(user, role=role, track="behavioral", level="mid", mode="voice")


# sessions


def test_sessions_are_listed_newest_first(store):
    first, second, third = (new_session(store, role=r) for r in ("a", "b", "c"))
    assert [s.id for s in store.list_sessions(ALICE)] == [third.id, second.id, first.id]
    assert [s.id for s in store.list_sessions(ALICE, limit=2)] == [third.id, second.id]


def test_a_new_session_starts_with_its_own_folder_path(store, data_dir):
    record = new_session(store)
    assert record.status == "starting" and record.is_active
    assert record.id.startswith("iv_")
    assert Path(record.session_dir) == data_dir / "sessions" / record.id
    assert store.get_session(ALICE, record.id) == record


def test_status_changes_stamp_start_end_and_duration(store):
    record = new_session(store)
    running = store.set_status(ALICE, record.id, "running")
    assert running.started_at is not None and running.ended_at is None
    done = store.set_status(
        ALICE, record.id, "completed", end_reason="completed", summary={"turns": 12}
    )
    assert done.ended_at > done.started_at
    assert done.duration == pytest.approx(done.ended_at - done.started_at)
    assert done.end_reason == "completed" and done.summary == {"turns": 12}
    assert not done.is_active
    assert store.get_session(ALICE, record.id) == done


def test_an_ended_session_never_runs_again(store):
    # a start that raced its own failure: the late "running" must not revive it
    record = new_session(store)
    store.set_status(ALICE, record.id, "failed", end_reason="error")
    after = store.set_status(ALICE, record.id, "running")
    assert after.status == "failed" and not after.is_active
    assert store.get_session(ALICE, record.id).status == "failed"


def test_summary_updates_merge(store):
    record = new_session(store)
    store.set_status(ALICE, record.id, "running", summary={"turns": 3})
    merged = store.set_status(ALICE, record.id, "completed", summary={"words": 40})
    assert merged.summary == {"turns": 3, "words": 40}


def test_unknown_status_or_mode_is_refused(store):
    record = new_session(store)
    with pytest.raises(ValueError):
        store.set_status(ALICE, record.id, "finished")
    with pytest.raises(ValueError):
        store.create_session(ALICE, role="x", track="behavioral", level="mid", mode="video")


def test_returned_records_are_copies(store):
    record = store.set_status(ALICE, new_session(store).id, "running", summary={"turns": 1})
    record.summary["turns"] = 99
    assert store.get_session(ALICE, record.id).summary == {"turns": 1}


def test_deleting_a_session_removes_its_folder_and_feedback(store):
    record = new_session(store)
    Path(record.session_dir).mkdir(parents=True)
    (Path(record.session_dir) / "events.jsonl").write_text("{}\n")
    store.set_status(ALICE, record.id, "completed")
    store.save_feedback(ALICE, record.id, {"overall": 3})
    store.delete_session(ALICE, record.id)
    assert not Path(record.session_dir).exists()
    assert store.list_sessions(ALICE) == []
    with pytest.raises(NotFoundError):
        store.get_feedback(ALICE, record.id)


def test_a_running_session_cannot_be_deleted(store):
    record = new_session(store)
    store.set_status(ALICE, record.id, "running")
    with pytest.raises(StoreError, match="still running"):
        store.delete_session(ALICE, record.id)


@pytest.mark.parametrize("bad_id", ["../..", "iv_../../etc", "", "iv_x/../../y"])
def test_malformed_session_ids_are_simply_not_found(store, bad_id, data_dir):
    with pytest.raises(NotFoundError):
        store.delete_session(ALICE, bad_id)
    assert data_dir.exists()


def test_sessions_left_running_finds_active_sessions_of_every_user(store):
    alice_running = new_session(store, ALICE)
    store.set_status(ALICE, alice_running.id, "running")
    bob_starting = new_session(store, BOB)
    store.set_status(ALICE, new_session(store, ALICE).id, "completed")
    found = {s.id: s.user_id for s in store.sessions_left_running()}
    assert found == {alice_running.id: ALICE, bob_starting.id: BOB}


# isolation between users


def test_another_user_sees_nothing_and_gets_the_same_answer_as_for_a_missing_id(store):
    record = new_session(store, ALICE)
    store.save_feedback(ALICE, record.id, {"overall": 4})
    store.save_template(ALICE, "Google SWE", {"role": "SWE"})
    store.set_user_keys(ALICE, {"secret": "opaque"})

    assert store.list_sessions(BOB) == []
    assert store.list_templates(BOB) == []
    assert store.get_user_keys(BOB) is None
    calls = [
        lambda sid: store.get_session(BOB, sid),
        lambda sid: store.set_status(BOB, sid, "failed"),
        lambda sid: store.delete_session(BOB, sid),
        lambda sid: store.get_feedback(BOB, sid),
        lambda sid: store.save_feedback(BOB, sid, {"overall": 1}),
    ]
    for call in calls:
        with pytest.raises(NotFoundError) as wrong_user:
            call(record.id)
        with pytest.raises(NotFoundError) as missing:
            call("iv_doesNotExist0000000000")
        assert str(wrong_user.value) == str(missing.value)
    with pytest.raises(NotFoundError):
        store.get_template(BOB, "Google SWE")
    with pytest.raises(NotFoundError):
        store.delete_template(BOB, "Google SWE")

    store.delete_user_data(BOB)
    assert store.get_session(ALICE, record.id).status == "starting"
    assert store.get_feedback(ALICE, record.id) == {"overall": 4}
    assert store.get_template(ALICE, "Google SWE").setup == {"role": "SWE"}
    assert store.get_user_keys(ALICE) == {"secret": "opaque"}


def test_every_store_function_is_scoped_to_a_user_except_the_reaper_helper():
    unscoped = {"close", "open", "sessions_left_running", "last_recovery", "idle_anonymous_users"}
    unscoped.add("practice_link")  # a visitor's look-up of a live link by its secret id
    unscoped.add("invite_coach")  # the operator's one-time invite, printed at start-up
    for name, member in inspect.getmembers(Store, inspect.isfunction):
        if name.startswith("_") or name in unscoped:
            continue
        params = list(inspect.signature(member).parameters)
        assert params[:2] == ["self", "user_id"], f"Store.{name} must take user_id first"


@pytest.mark.parametrize("bad_user", ["", None, "someone", "../x"])
def test_malformed_user_ids_are_refused(store, bad_user):
    with pytest.raises(ValueError):
        store.list_sessions(bad_user)


def test_deleting_a_users_data_removes_everything_of_theirs(store, data_dir):
    records = [new_session(store, BOB) for _ in range(3)]
    for record in records:
        Path(record.session_dir).mkdir(parents=True)
        store.set_status(BOB, record.id, "completed")
        store.save_feedback(BOB, record.id, {"overall": 2})
    store.save_template(BOB, "t", {"role": "x"})
    store.set_user_keys(BOB, {"secret": "opaque"})
    store.delete_user_data(BOB)
    assert store.list_sessions(BOB) == [] and store.list_templates(BOB) == []
    assert store.get_user_keys(BOB) is None
    assert not any(Path(r.session_dir).exists() for r in records)
    assert BOB not in (data_dir / "mockflow.json").read_text()


# feedback and templates


def test_feedback_round_trip_lives_beside_the_transcript(store):
    record = new_session(store)
    assert store.get_feedback(ALICE, record.id) is None
    report = {"overall": 3.5, "stages": {"self_intro": {"score": 4, "comment": "clear"}}}
    store.save_feedback(ALICE, record.id, report)
    assert store.get_feedback(ALICE, record.id) == report
    assert json.loads((Path(record.session_dir) / FEEDBACK_FILE).read_text()) == report
    assert "clear" not in (Path(store.sessions_dir).parent / "mockflow.json").read_text()


def test_feedback_that_is_not_json_is_refused_clearly(store):
    record = new_session(store)
    with pytest.raises(StoreError, match="can't be saved"):
        store.save_feedback(ALICE, record.id, {"when": object()})


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


# on disk


def test_everything_survives_a_reopen(data_dir):
    store = open_store(data_dir)
    record = new_session(store)
    store.set_status(ALICE, record.id, "completed", summary={"turns": 5})
    store.save_feedback(ALICE, record.id, {"overall": 3})
    store.save_template(ALICE, "t", {"role": "x"})
    store.set_user_keys(ALICE, {"secret": "opaque"})
    store.close()

    reopened = open_store(data_dir)
    assert reopened.get_session(ALICE, record.id).summary == {"turns": 5}
    assert reopened.get_feedback(ALICE, record.id) == {"overall": 3}
    assert reopened.get_template(ALICE, "t").setup == {"role": "x"}
    assert reopened.get_user_keys(ALICE) == {"secret": "opaque"}
    assert reopened.recovered_from is None


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
        store.set_status(ALICE, record.id, "running")
    monkeypatch.undo()
    assert store.get_session(ALICE, record.id).status == "starting"


# damaged files and unwritable folders


def write_sessions(data_dir: Path, count: int = 5) -> list[str]:
    store = open_store(data_dir)
    ids = []
    for _ in range(count):
        record = new_session(store)
        _write_owner_meta(record)
        ids.append(record.id)
    store.set_user_keys(ALICE, {"secret": "opaque"})
    store.close()
    return ids


def _write_owner_meta(record) -> None:
    folder = Path(record.session_dir)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"user_id": record.user_id, "created_at": record.created_at, "role": record.role}
    (folder / "meta.json").write_text(json.dumps(meta))


def truncate(path: Path) -> bytes:
    damaged = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(damaged)
    return damaged


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


def test_a_damaged_database_can_be_refused_instead(data_dir):
    write_sessions(data_dir)
    damaged = truncate(data_dir / "mockflow.json")
    with pytest.raises(CorruptDatabaseError, match="damaged") as error:
        open_store(data_dir, on_corrupt="raise")
    assert str(data_dir / "mockflow.json") in str(error.value)
    assert (data_dir / "mockflow.json").read_bytes() == damaged


def test_deleting_a_user_leaves_no_copy_of_their_data(store, data_dir):
    new_session(store, BOB)
    new_session(store, ALICE)
    (data_dir / "users" / BOB).mkdir(parents=True)
    (data_dir / "users" / BOB / "report.pdf").write_bytes(b"%PDF")
    store.delete_user_data(BOB)
    for path in data_dir.glob("mockflow.json*"):
        assert BOB not in path.read_text(errors="replace")
    assert not (data_dir / "users" / BOB).exists()


def test_a_failed_write_names_no_server_path(store, monkeypatch, data_dir):
    record = new_session(store)

    def read_only(path, payload):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(mockflow.store.atomic_json, "atomic_write", read_only)
    with pytest.raises(StoreError) as error:
        store.set_status(ALICE, record.id, "running")
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
