"""The files beside the database: a session's feedback report, and folders removed only by
a validated id, never by a path from anywhere else."""

from __future__ import annotations

import pytest

from mockflow.contracts.ids import new_session_id
from mockflow.store.atomic_json import StoreError
from mockflow.store.session_files import (
    MAX_FEEDBACK_BYTES,
    feedback_path,
    read_feedback,
    remove_session_dir,
    write_feedback,
)


def test_feedback_round_trips_and_a_missing_file_reads_as_none(tmp_path):
    session = new_session_id()
    assert read_feedback(tmp_path, session) is None
    write_feedback(tmp_path, session, b'{"overall": 4}')
    assert read_feedback(tmp_path, session) == {"overall": 4}
    assert feedback_path(tmp_path, session).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("damage", [b"{half", b"[1, 2]", b"\xff\xfe"])
def test_a_damaged_report_is_said_plainly_without_its_path(tmp_path, damage):
    session = new_session_id()
    write_feedback(tmp_path, session, b"{}")
    feedback_path(tmp_path, session).write_bytes(damage)
    with pytest.raises(StoreError) as refused:
        read_feedback(tmp_path, session)
    assert str(refused.value) == "The feedback report of this interview can't be read."


def test_an_oversized_report_is_refused_before_anything_is_written(tmp_path):
    session = new_session_id()
    with pytest.raises(StoreError, match="too large"):
        write_feedback(tmp_path, session, b"{" + b" " * MAX_FEEDBACK_BYTES + b"}")
    assert not (tmp_path / session).exists()


def test_only_an_issued_session_id_can_remove_a_folder(tmp_path):
    sessions = tmp_path / "sessions"
    session = new_session_id()
    (sessions / session).mkdir(parents=True)
    (sessions / "kept").mkdir()
    (tmp_path / "outside").mkdir()
    for hostile in ("..", "../outside", "kept", "", "/"):
        remove_session_dir(sessions, hostile)
    assert (sessions / "kept").is_dir() and (tmp_path / "outside").is_dir()
    remove_session_dir(sessions, session)
    assert not (sessions / session).exists()
    remove_session_dir(sessions, session)  # already gone: nothing to say
