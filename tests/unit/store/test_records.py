"""A History entry's fields: how a status change stamps start, end and duration once, and
which values a record can hold."""

from __future__ import annotations

import pytest

from mockflow.store.atomic_json import StoreError
from mockflow.store.records import SessionRecord, encode_json, from_doc, status_changes, to_doc

DOC = {"created_at": 100.0, "started_at": None, "ended_at": None}


def test_running_stamps_the_start_once():
    assert status_changes(DOC, "running", 105.0) == {"status": "running", "started_at": 105.0}
    started = {**DOC, "started_at": 105.0}
    assert status_changes(started, "running", 200.0) == {"status": "running"}


def test_an_end_stamps_the_end_and_the_duration_from_the_start():
    started = {**DOC, "started_at": 105.0}
    assert status_changes(started, "completed", 165.5) == {
        "status": "completed",
        "ended_at": 165.5,
        "duration": 60.5,
    }
    ended = {**started, "ended_at": 165.5}
    assert status_changes(ended, "failed", 300.0) == {"status": "failed"}  # the first end stays


def test_an_interview_that_never_ran_lasts_from_its_creation():
    assert status_changes(DOC, "failed", 103.0)["duration"] == 3.0


@pytest.mark.parametrize(
    ("value", "words"),
    [([1, 2], "not a JSON object"), ({"when": object()}, "not plain JSON data")],
)
def test_only_plain_json_objects_are_stored(value, words):
    with pytest.raises(StoreError, match=f"The summary can't be saved: it is {words}"):
        encode_json(value, "summary")


def test_records_round_trip_as_copies_and_ignore_unknown_fields():
    doc = {
        "id": "iv_1",
        "user_id": "u",
        "created_at": 1.0,
        "role": "SRE",
        "track": "technical",
        "level": "mid",
        "mode": "text",
        "status": "running",
        "session_dir": "/d",
        "summary": {"overall": 4},
        "from_a_newer_version": True,
    }
    record = from_doc(SessionRecord, doc)
    assert record.is_active and record.summary == {"overall": 4}
    doc["summary"]["overall"] = 1  # the stored document changing later does not reach it
    assert record.summary == {"overall": 4}
    assert "from_a_newer_version" not in to_doc(record)
