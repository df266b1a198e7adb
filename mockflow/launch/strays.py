"""Servers the app runs as children, left behind by a run that could not stop them.

The app's own LiveKit server and the local models' servers each lead their own process
group (so a Ctrl+C in the terminal reaches the app alone, which stops them in order). A
run killed with SIGKILL, or by a crash or a power cut, cannot stop them: they keep
running and keep their ports, and the next start would find port 7880 taken. So while a
child runs its pid file sits in `<data>/run/<name>.pid`, and the next start-up stops any
child the previous run left (`ChildPidFiles.stop_strays`), as it already stops a previous
run's interviewers, by the same rules (`launch/local/reaper.py`): a recorded process is
ours only if its create time matches (its pid was not reused) and its environment carries
this data folder's marker; processes are never matched by name.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import asdict
from pathlib import Path

import psutil

from mockflow.launch.local.environment import MARKER_VAR
from mockflow.launch.local.reaper import find_ours, owner_elsewhere, stop_family
from mockflow.launch.records import PidRecord, read_pid_file
from mockflow.private_files import make_private_dir, write_private

log = logging.getLogger(__name__)

STOP_GRACE = 5.0


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
            me = psutil.Process()
            record = PidRecord(pid, created, self.marker, me.pid, me.create_time())
        except psutil.Error:
            return  # already gone: nothing to leave behind
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

        A pid file whose process is gone or is someone else's is removed without a
        signal; one whose app still runs elsewhere is left to that app.
        """
        me = psutil.Process()
        stopped = []
        for path in sorted(self.run_dir.glob("*.pid")):
            record = read_pid_file(path)
            if record is not None and owner_elsewhere(record, (me.pid, me.create_time())):
                log.warning("%s belongs to a running app (pid %s)", path.stem, record.owner_pid)
                continue
            process = find_ours(record, self.marker) if record is not None else None
            if process is not None:
                log.info("stopping %s (pid %s), left by a previous run", path.stem, process.pid)
                stop_family(process, grace)
                stopped.append(path.stem)
            with contextlib.suppress(OSError):
                path.unlink()
        return stopped

    def _path(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"
