"""Pid files and the closing of a timeline whose writer died."""

from __future__ import annotations

from pathlib import Path

from mockflow.contracts.events import EventWriter, read_events
from mockflow.launch.records import (
    PidRecord,
    close_timeline,
    read_pid_file,
    remove_pid_file,
    write_pid_file,
)


def write_turns(session_dir: Path, *texts: str) -> Path:
    writer = EventWriter(session_dir / "events.jsonl")
    writer.write("ready")
    for text in texts:
        writer.write("turn", role="interviewer", text=text)
    writer.close()
    return session_dir / "events.jsonl"


def test_close_timeline_appends_error_and_ended_after_the_turns(tmp_path: Path) -> None:
    path = write_turns(tmp_path, "Hello.", "Tell me more.")

    assert close_timeline(tmp_path, "error", error_message="The interviewer stopped.")

    events = read_events(path)
    assert [e.get("text") for e in events if e["type"] == "turn"] == ["Hello.", "Tell me more."]
    assert events[-2]["type"] == "error" and events[-2]["fatal"] is True
    assert events[-1]["type"] == "ended" and events[-1]["reason"] == "error"


def test_close_timeline_drops_a_half_written_line(tmp_path: Path) -> None:
    path = write_turns(tmp_path, "Hello.")
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"t": 1.0, "type": "turn", "role": "interv')

    close_timeline(tmp_path, "interrupted")

    events = read_events(path)
    assert [e["type"] for e in events] == ["ready", "turn", "ended"]
    assert events[-1]["reason"] == "interrupted"


def test_close_timeline_leaves_an_ended_timeline_alone(tmp_path: Path) -> None:
    path = write_turns(tmp_path, "Hello.")
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"t": 2.0, "type": "ended", "reason": "completed"}\n')
    before = path.read_bytes()

    assert not close_timeline(tmp_path, "error", error_message="late")
    assert path.read_bytes() == before


def test_close_timeline_creates_a_missing_file(tmp_path: Path) -> None:
    close_timeline(tmp_path, "error", error_message="The interviewer could not be started.")

    assert [e["type"] for e in read_events(tmp_path)] == ["error", "ended"]


def test_pid_file_round_trip_and_removal(tmp_path: Path) -> None:
    record = PidRecord(
        pid=1234, create_time=1700.25, marker="m", owner_pid=99, owner_create_time=5.5
    )

    write_pid_file(tmp_path, record)
    assert read_pid_file(tmp_path / "agent.pid") == record

    remove_pid_file(tmp_path)
    assert read_pid_file(tmp_path / "agent.pid") is None


def test_malformed_pid_file_reads_as_none(tmp_path: Path) -> None:
    (tmp_path / "agent.pid").write_text("{not json")
    assert read_pid_file(tmp_path / "agent.pid") is None
    (tmp_path / "agent.pid").write_text('{"pid": "x"}')
    assert read_pid_file(tmp_path / "agent.pid") is None
