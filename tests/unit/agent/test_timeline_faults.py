"""The agent stops, and says why, at the first timeline line the disk refuses (finding 4
of issue 25: before, the answer was dropped, the interviewer went silent and nothing was
recorded or logged).

The disk is a seam here: `FussyDisk` stands in for `os` inside the events module and
refuses lines longer than it has room for (writing part of one first, as a full disk
does). The real full tmpfs is in tests/integration/test_disk_full.py."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
from pathlib import Path

import pytest

from mockflow.agent.controller import InterviewController
from mockflow.agent.session import run_interview
from mockflow.contracts import events as events_module
from mockflow.contracts.events import (
    NOT_SAVED_NO_SPACE,
    EventWriteError,
    EventWriter,
    read_events,
)
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.launch.records import close_timeline_of

KEY = "sk-timeline-faults-key-0042"


class FussyDisk:
    """`os` as the events module sees it, with room for `room` more bytes (None: any)."""

    def __init__(self) -> None:
        self.room: int | None = None

    def __getattr__(self, name: str):
        return getattr(os, name)

    def write(self, fd: int, data) -> int:
        if self.room is None or len(data) <= self.room:
            written = os.write(fd, data)
            self.room = None if self.room is None else self.room - written
            return written
        if self.room > 0:  # a part fits, as on a real disk; the next call fails
            written = os.write(fd, bytes(data[: self.room]))
            self.room = 0
            return written
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def ftruncate(self, fd: int, length: int) -> None:
        cut = os.fstat(fd).st_size - length
        os.ftruncate(fd, length)
        if self.room is not None:
            self.room += cut  # what was cut back off is free again


@pytest.fixture
def disk(monkeypatch) -> FussyDisk:
    fussy = FussyDisk()
    monkeypatch.setattr(events_module, "os", fussy)
    return fussy


def spec(tmp_path: Path):
    return parse_launch_spec(
        json.dumps(
            {
                "session_id": "iv_1",
                "session_dir": str(tmp_path),
                "track": "behavioral",
                "candidate": {"name": "Ada", "role": "Engineer"},
                "providers": {"llm": {"api_key": KEY, "base_url": "http://llm.internal/v1"}},
            }
        )
    )


def test_a_line_cut_short_by_the_disk_is_taken_back_whole(tmp_path, disk):
    path = tmp_path / "events.jsonl"
    faults: list[EventWriteError] = []
    writer = EventWriter(path)
    writer.on_fault = faults.append
    writer.write("turn", role="interviewer", text="Hello", stage="greeting")
    before = path.read_bytes()
    disk.room = 20  # 20 bytes of the next line fit, then the disk is full
    with pytest.raises(EventWriteError, match=NOT_SAVED_NO_SPACE):
        writer.write("turn", role="candidate", text="An answer " * 50, stage="greeting")
    assert path.read_bytes() == before  # the 20 bytes were cut back off
    with pytest.raises(EventWriteError):
        writer.write("state", agent_state="thinking")
    assert len(faults) == 1 and faults[0].out_of_space  # told once, at the first
    disk.room = None  # space freed: whole lines again
    writer.write("turn", role="candidate", text="Again", stage="greeting")
    writer.close()
    assert [e.get("text") for e in read_events(path)] == ["Hello", "Again"]


def answer_on_a_full_disk(disk: FussyDisk, room: int):
    """A transport that begins, then gets an answer the disk has `room` bytes for."""

    async def transport(controller: InterviewController) -> str:
        controller.begin()
        disk.room = room
        with contextlib.suppress(EventWriteError):  # the task that recorded it dies
            controller.record_answer("My answer. " * 40, started_at=1.0, ended_at=2.0)
        await asyncio.wait_for(controller.finished.wait(), 5)
        return controller.end_reason or "completed"

    return transport


def test_the_agent_stops_with_an_error_the_candidate_sees(tmp_path, disk):
    writer = EventWriter(tmp_path / "events.jsonl")
    reason = asyncio.run(run_interview(spec(tmp_path), writer, answer_on_a_full_disk(disk, 200)))
    events = read_events(tmp_path / "events.jsonl")
    assert reason == "error"
    assert [e["type"] for e in events] == ["ready", "stage", "error", "ended"]
    assert events[2] == {**events[2], "message": NOT_SAVED_NO_SPACE, "fatal": True}
    assert events[3]["reason"] == "error"
    assert writer.ended  # the process exits 1: ended in error, the timeline says why


def test_when_nothing_fits_the_timeline_is_left_whole_and_the_fault_kept(tmp_path, disk):
    writer = EventWriter(tmp_path / "events.jsonl")
    reason = asyncio.run(run_interview(spec(tmp_path), writer, answer_on_a_full_disk(disk, 0)))
    assert reason == "error"
    assert [e["type"] for e in read_events(tmp_path / "events.jsonl")] == ["ready", "stage"]
    # what `process` turns into exit status 3 with the reason on stderr
    assert writer.fault is not None and writer.fault.out_of_space and not writer.ended


def test_the_supervisor_ending_a_timeline_on_a_full_disk_logs_it_and_goes_on(
    tmp_path, disk, caplog
):
    """The runner's last word (`close_timeline_of`) on a disk that takes nothing: logged,
    and the session is still let go (its slot freed), the timeline left whole."""
    path = tmp_path / "events.jsonl"
    path.write_text('{"t":1,"type":"ready"}\n')
    disk.room = 0
    assert close_timeline_of("iv_1", tmp_path, "error", "The interviewer stopped.") is True
    assert path.read_text() == '{"t":1,"type":"ready"}\n'
    assert "couldn't write the end of its timeline: Not saved" in caplog.text
