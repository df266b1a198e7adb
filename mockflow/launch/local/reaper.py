"""Orphan reaping at app start: agents left running by a previous app instance.

A pid file names a process; it is ours only if its create time matches (the pid was not
reused) and its environment carries this data directory's marker. Processes are never
matched by name. An orphan is stopped (SIGTERM, then SIGKILL) and its timeline closed
with `ended` reason `interrupted`; the turns it wrote stay as they are.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Collection
from pathlib import Path
from typing import Protocol

import psutil

from mockflow.launch.local.environment import MARKER_VAR
from mockflow.launch.records import PID_FILE, PidRecord, close_timeline, read_pid_file

log = logging.getLogger(__name__)

_CREATE_TIME_TOLERANCE = 0.05


class ProcessLike(Protocol):
    def create_time(self) -> float: ...

    def environ(self) -> dict[str, str]: ...


def reap_orphans(
    sessions_dir: Path,
    marker: str,
    *,
    skip: Collection[str] = (),
    owner: tuple[int, float] | None = None,
    grace: float = 3.0,
) -> list[str]:
    """Stop orphaned agents under `sessions_dir`; return the ids of the sessions they left.

    A pid file whose owner (the app that wrote it) is still running in another process is
    left alone: that app is alive and supervises the session itself.
    """
    reaped = []
    for pid_path in sorted(Path(sessions_dir).glob(f"*/{PID_FILE}")):
        session_dir = pid_path.parent
        if session_dir.name in skip:
            continue
        record = read_pid_file(pid_path)
        if record is not None and owner_elsewhere(record, owner):
            log.warning(
                "session %s belongs to a running app (pid %s)", session_dir.name, record.owner_pid
            )
            continue
        orphan = find_ours(record, marker) if record is not None else None
        if orphan is not None:
            log.info("session %s: stopping orphaned agent %s", session_dir.name, orphan.pid)
            stop_family(orphan, grace)
        close_timeline(session_dir, "interrupted")
        pid_path.unlink(missing_ok=True)
        reaped.append(session_dir.name)
    return reaped


def is_our_agent(process: ProcessLike, record: PidRecord, marker: str) -> bool:
    """Whether `process` is the agent of `record`, started for the data dir of `marker`."""
    if record.marker != marker:
        return False
    try:
        if abs(process.create_time() - record.create_time) > _CREATE_TIME_TOLERANCE:
            return False
        return process.environ().get(MARKER_VAR) == marker
    except psutil.Error:
        return False


def find_ours(record: PidRecord, marker: str) -> psutil.Process | None:
    """The live process `record` names, if it is ours (its create time and marker match)."""
    try:
        process = psutil.Process(record.pid)
    except psutil.Error:
        return None
    return process if is_our_agent(process, record, marker) else None


def owner_elsewhere(record: PidRecord, owner: tuple[int, float] | None) -> bool:
    """Whether the app that wrote `record` is still running, and is not `owner` (pid,
    create time): a live app supervises its own children."""
    if not record.owner_pid or (owner is not None and record.owner_pid == owner[0]):
        return False
    try:
        process = psutil.Process(record.owner_pid)
        same = abs(process.create_time() - record.owner_create_time) <= _CREATE_TIME_TOLERANCE
        return same and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def stop_family(process: psutil.Process, grace: float) -> None:
    """SIGTERM to `process` and its children, SIGKILL to those alive after `grace`."""
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        family = [process]
    for member in family:
        with contextlib.suppress(psutil.Error):
            member.terminate()
    _, alive = psutil.wait_procs(family, timeout=grace)
    for member in alive:
        with contextlib.suppress(psutil.Error):
            member.kill()
    psutil.wait_procs(alive, timeout=grace)
