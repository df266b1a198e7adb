"""The store: every record scoped to its user; sessions, feedback, and deleting a
user's data."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from mockflow.store.db import (
    NotFoundError,
    Store,
    StoreError,
)
from mockflow.store.session_files import FEEDBACK_FILE
from tests.unit.store.helpers import (
    ALICE,
    BOB,
    new_session,
    open_store,
)


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


def test_deleting_a_user_leaves_no_copy_of_their_data(store, data_dir):
    new_session(store, BOB)
    new_session(store, ALICE)
    (data_dir / "users" / BOB).mkdir(parents=True)
    (data_dir / "users" / BOB / "report.pdf").write_bytes(b"%PDF")
    store.delete_user_data(BOB)
    for path in data_dir.glob("mockflow.json*"):
        assert BOB not in path.read_text(errors="replace")
    assert not (data_dir / "users" / BOB).exists()
