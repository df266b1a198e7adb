"""meta.json: what the app records beside an interview's timeline comes back as written;
a damaged file is an error that names the session, never the server's path; the
lenient reader gives {} instead."""

from __future__ import annotations

import pytest

from mockflow.contracts.meta import (
    META_FILE,
    SessionMeta,
    SessionMetaError,
    load_meta,
    read_meta,
    write_meta,
)


def test_what_is_written_is_read_back(tmp_path) -> None:
    session = tmp_path / "iv_abc"
    meta = SessionMeta(
        session_id="ignored", user_id="local", created_at=1.8e9, candidate_name="Ana",
        role="Data Engineer", level="mid", track="technical", job_description="Airflow",
        mode="voice", room="room-1",
    )  # fmt: skip
    write_meta(session, meta)
    raw = read_meta(session)
    assert "session_id" not in raw and raw["room"] == "room-1" and raw["user_id"] == "local"
    loaded = load_meta(session)
    assert loaded.session_id == "iv_abc"  # the folder's name
    assert (loaded.candidate_name, loaded.role) == ("Ana", "Data Engineer")
    assert loaded.track == "technical"


def test_no_file_is_an_empty_record_not_an_error(tmp_path) -> None:
    assert load_meta(tmp_path / "iv_none") == SessionMeta(session_id="iv_none")
    assert read_meta(tmp_path / "iv_none") == {}


@pytest.mark.parametrize(
    ("content", "words", "lenient"),
    [
        (b"{not json", "not a readable JSON file", {}),
        (b"\xff\xfe", "not a readable JSON file", {}),
        (b"[1]", "expected a JSON object", {}),
        (b'{"role": 42}', "must be strings", {"role": 42}),
    ],
)
def test_a_damaged_file_names_the_session_not_the_path(tmp_path, content, words, lenient) -> None:
    session = tmp_path / "iv_bad"
    session.mkdir()
    (session / META_FILE).write_bytes(content)
    with pytest.raises(SessionMetaError) as raised:
        load_meta(session)
    assert words in str(raised.value) and "iv_bad" in str(raised.value)
    assert str(tmp_path) not in str(raised.value)
    assert read_meta(session) == lenient  # the room lookup never fails on it
