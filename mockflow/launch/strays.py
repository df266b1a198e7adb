"""Servers the app runs as children, left behind by a run that could not stop them.

The app's own LiveKit server and the local models' servers each lead their own process
group (so a Ctrl+C in the terminal reaches the app alone, which stops them in order). A
run killed with SIGKILL, or by a crash or a power cut, cannot stop them: they keep
running and keep their ports, and the next start would find port 7880 taken. So while a
child runs its pid file sits in `<data>/run/<name>.pid`, and the next start-up stops any
child the previous run left (`ChildPidFiles.stop_strays`), as it already stops a previous
run's interviewers.

A recorded process is ours only if its create time matches (its pid was not reused) and
its environment carries this data folder's marker; processes are never matched by name.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from mockflow.launch.local.environment import MARKER_VAR
from mockflow.private_files import make_private_dir, write_private

log = logging.getLogger(__name__)

STOP_GRACE = 5.0
_CREATE_TIME_TOLERANCE = 0.05


@dataclass(frozen=True)
class ChildRecord:
    """A running child server: its pid and create time, and the app that started it."""

    name: str
    pid: int
    create_time: float
    owner_pid: int
    owner_create_time: float


class ChildPidFiles:
    """The pid files of one data folder's child servers (see the module docstring)."""

    def __init__(self, run_dir: Path, marker: str) -> None:
        self.run_dir = Path(run_dir)
        self.marker = marker

    def env(self) -> dict[str, str]:
        """What a child's environment must carry to be recognised later."""
        return {MARKER_VAR: self.marker}

    def record(self, name: str, pid: int) -> None:
        """Note that `name` now runs as `pid`; a failure to write is logged, not raised."""
        try:
            created = psutil.Process(pid).create_time()
        except psutil.Error:
            return  # already gone: nothing to leave behind
        me = psutil.Process()
        record = ChildRecord(name, pid, created, me.pid, me.create_time())
        try:
            make_private_dir(self.run_dir)
            write_private(self._path(name), json.dumps(asdict(record)))
        except OSError as exc:
            log.warning("could not record %s's pid file: %s", name, exc)

    def forget(self, name: str) -> None:
        with contextlib.suppress(OSError):
            self._path(name).unlink(missing_ok=True)

    def stop_strays(self, grace: float = STOP_GRACE) -> list[str]:
        """Stop the children a previous run left running; return their names.

        A pid file whose process is gone, is someone else's, or belongs to an app that
        still runs elsewhere is removed (or, for a live owner, left) without a signal.
        """
        stopped = []
        for path in sorted(self.run_dir.glob("*.pid")):
            record = _read(path)
            if record is not None and _owner_alive_elsewhere(record):
                log.warning("%s belongs to a running app (pid %s)", path.stem, record.owner_pid)
                continue
            process = self._ours(record) if record is not None else None
            if process is not None and record is not None:
                log.info("stopping %s (pid %s), left by a previous run", path.stem, record.pid)
                _stop(process, grace)
                stopped.append(path.stem)
            with contextlib.suppress(OSError):
                path.unlink()
        return stopped

    def _ours(self, record: ChildRecord) -> psutil.Process | None:
        try:
            process = psutil.Process(record.pid)
            if abs(process.create_time() - record.create_time) > _CREATE_TIME_TOLERANCE:
                return None  # the pid was reused by another process
            if process.environ().get(MARKER_VAR) != self.marker:
                return None
        except psutil.Error:
            return None
        return process

    def _path(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"


def _read(path: Path) -> ChildRecord | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return ChildRecord(
            str(raw["name"]),
            int(raw["pid"]),
            float(raw["create_time"]),
            int(raw["owner_pid"]),
            float(raw["owner_create_time"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _owner_alive_elsewhere(record: ChildRecord) -> bool:
    """Whether the app that wrote the record is another process that still runs."""
    if record.owner_pid == os.getpid():
        return False
    try:
        owner = psutil.Process(record.owner_pid)
        same = abs(owner.create_time() - record.owner_create_time) <= _CREATE_TIME_TOLERANCE
        return same and owner.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _stop(process: psutil.Process, grace: float) -> None:
    """SIGTERM to the child's process group (it leads one), SIGKILL after `grace`."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)
        with contextlib.suppress(psutil.Error):
            _gone, alive = psutil.wait_procs([process], timeout=grace)
            if not alive:
                return
