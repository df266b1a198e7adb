"""The events file contract: whole lines, offset tailing, partial trailing line skipped."""

from __future__ import annotations

import json

import pytest

from mockflow.contracts.events import (
    EventFileError,
    EventTail,
    EventWriter,
    Timeline,
    read_events,
)


def test_writer_appends_whole_lines_and_stops_after_ended(tmp_path):
    path = tmp_path / "events.jsonl"
    writer = EventWriter(path, clock=lambda: 12.5)
    writer.write("ready", transport="text")
    writer.write("turn", role="candidate", text="Olá, ça va? 中文", stage="greeting")
    writer.write("ended", reason="completed")
    writer.write("turn", role="interviewer", text="too late", stage="closing")
    writer.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["ready", "turn", "ended"]
    assert json.loads(lines[1])["text"] == "Olá, ça va? 中文"
    assert json.loads(lines[0])["t"] == 12.5


def test_writer_rejects_unknown_types(tmp_path):
    writer = EventWriter(tmp_path / "e.jsonl")
    with pytest.raises(ValueError):
        writer.write("gossip")


def test_tail_reads_only_new_complete_lines(tmp_path):
    path = tmp_path / "events.jsonl"
    tail = EventTail(path)
    assert tail.read_new() == []  # no file yet
    path.write_text('{"t":1,"type":"ready"}\n{"t":2,"type":"st')
    assert [e["type"] for e in tail.read_new()] == ["ready"]
    with open(path, "a") as f:
        f.write('age","stage":"greeting"}\n')
    assert [e["stage"] for e in tail.read_new()] == ["greeting"]
    assert tail.read_new() == []
    assert tail.offset == path.stat().st_size


def test_read_events_skips_partial_trailing_line(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"t":1,"type":"ready"}\n{"t":2,"type":"turn","text":"half')
    assert [e["type"] for e in read_events(path)] == ["ready"]
    assert [e["type"] for e in read_events(tmp_path)] == ["ready"]  # a session dir works too


def test_read_events_rejects_malformed_middle_line(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"t":1,"type":"ready"}\nnot json\n{"t":3,"type":"ended"}\n')
    with pytest.raises(EventFileError, match="line 2"):
        read_events(path)


def test_read_events_missing_file(tmp_path):
    with pytest.raises(EventFileError, match="no events file"):
        read_events(tmp_path / "nope.jsonl")


def test_errors_name_the_session_never_the_servers_path(tmp_path):
    folder = tmp_path / "srv" / "iv_abcdefgh123"
    folder.mkdir(parents=True)
    (folder / "events.jsonl").write_text('{"t": 1, "type": "ready"}\nnot json\n{"t": 2}\n')
    for path in (folder, tmp_path / "srv" / "iv_missing12345" / "events.jsonl"):
        with pytest.raises(EventFileError) as error:
            read_events(path)
        assert str(tmp_path) not in str(error.value) and "session iv_" in str(error.value)


def _draft(reply: int, delta: str) -> dict:
    return {"t": 1.0, "type": "draft", "role": "interviewer", "reply": reply, "delta": delta}


def test_a_reply_grows_as_drafts_and_gives_way_to_its_committed_turn():
    timeline = Timeline.of([_draft(1, "Tell me "), _draft(1, "about a project")])
    assert timeline.draft == "Tell me about a project"
    timeline.apply({"t": 2.0, "type": "turn", "role": "interviewer", "text": "Tell me about it?"})
    assert timeline.draft == ""
    timeline.apply(_draft(1, " late piece of the committed reply"))
    assert timeline.draft == ""  # never shown twice
    timeline.apply(_draft(2, "Thanks."))
    assert timeline.draft == "Thanks."


def test_a_reply_that_never_committed_does_not_prefix_the_next_one():
    timeline = Timeline.of([_draft(1, "Half a sent"), _draft(2, "A new question?")])
    assert timeline.draft == "A new question?"
