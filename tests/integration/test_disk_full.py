"""A full disk loses no answer silently (finding 4 of issue 25): the real agent process on
a small tmpfs that fills up mid-interview.

Before: each answer was taken ("sent"), the interviewer stopped replying, nothing said
why, and a line cut short by the full disk could leave a torn line in the timeline. Now
the agent stops at the first line the disk refuses, cuts the part it wrote back off, and
says why in an `error` line (when not even that fits, its exit status does:
tests/unit/agent/test_timeline_faults.py); what was committed before stays intact.

Mounting needs root: CI runs as root, so these run there; elsewhere they are skipped
with the reason.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
from pathlib import Path

import pytest

from mockflow.contracts.events import NOT_SAVED_NO_SPACE, read_events
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.integration.conftest import make_spec, send, spawn_agent
from tests.waiting import eventually

pytestmark = pytest.mark.integration
LONG_STAGES = {s: 600.0 for s in ("greeting", "self_intro", "past_experience", "company_fit")}


@contextlib.contextmanager
def tmpfs(folder: Path, size: str):
    """A tmpfs of `size` at `folder`; skipped (with the reason) where it can't be mounted."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs the tests as root)")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a tmpfs can't be mounted here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def small_disk(tmp_path):
    with tmpfs(tmp_path / "disk", "2m") as folder:
        yield folder


def fill(folder: Path) -> Path:
    """Write a file until the disk refuses another byte; returns it (delete it to free)."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        for size in (65536, 4096, 512, 64, 1):
            with contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * size)
    with pytest.raises(OSError) as full, open(folder / "probe", "wb", buffering=0) as f:
        f.write(b"x")
    assert full.value.errno == errno.ENOSPC
    return filler


def interviewer_turns(path: Path) -> int:
    with contextlib.suppress(Exception):
        return sum(e["type"] == "turn" and e["role"] == "interviewer" for e in read_events(path))
    return 0


def run_to_second_reply(spec: dict) -> tuple[subprocess.Popen, list[dict]]:
    """The agent, after one answer and its reply: the events so far."""
    events_path = Path(spec["session_dir"]) / "events.jsonl"
    proc = spawn_agent(spec)
    assert json.loads(proc.stdout.readline())["warm"] is True
    assert eventually(lambda: interviewer_turns(events_path) >= 1, timeout=60)
    send(proc, {"type": "user_text", "text": "I build payment systems in Go."})
    assert eventually(lambda: interviewer_turns(events_path) >= 2, timeout=60)
    return proc, read_events(events_path)


def finish(proc: subprocess.Popen) -> str:
    try:
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.stderr.read().decode()


def test_an_answer_the_full_disk_refuses_stops_the_interview_and_says_why(small_disk, fake_llm):
    fake_llm.responder = ScriptedInterviewer(answers_per_stage=5)
    spec = make_spec(small_disk, fake_llm.base_url, stage_overrides=LONG_STAGES)
    events_path = Path(spec["session_dir"]) / "events.jsonl"
    proc, committed = run_to_second_reply(spec)
    filler = fill(small_disk)
    # longer than the slack of the events file's last page: a part of it fits, the rest
    # does not (the part must not stay behind as a torn line)
    send(proc, {"type": "user_text", "text": "I led the ledger migration. " * 300})
    finish(proc)
    raw = events_path.read_bytes()
    assert raw.endswith(b"\n") and "ledger migration" not in raw.decode()
    events = read_events(events_path)  # every line whole
    assert events[: len(committed)] == committed  # what was committed before is intact
    new = events[len(committed) :]
    assert not any(e["type"] == "turn" for e in new)  # the answer was not taken silently
    errors = [e for e in new if e["type"] == "error"]
    assert errors and errors[-1]["message"] == NOT_SAVED_NO_SPACE and errors[-1]["fatal"]
    assert new[-1]["type"] == "ended" and new[-1]["reason"] == "error"
    assert proc.returncode == 1  # ended in error
    filler.unlink()  # space again: the timeline is still whole
    assert read_events(events_path) == events
