"""Benches stop what they started when they are interrupted, and say what they stopped.

A bench wraps its main in `stops_children()`. SIGTERM (and SIGHUP) then end it as Ctrl+C
does: KeyboardInterrupt in the main thread, so every `finally` and context manager on the
way out runs and stops its servers and processes the ordinary way. On the way out, any
child process still running is stopped too (SIGTERM, SIGKILL after a grace), with the
process group and session of each child that leads its own: a LiveKit server or an
interview's agent runs in a session of its own, which Ctrl+C in a terminal never reaches
and whose members outlive their parent. An interrupted bench prints each process it
stopped, on stderr, and exits with 128 + the signal's number (130 for Ctrl+C, 143 for
SIGTERM). A second signal cuts the bench's own clean-up short; the final sweep still runs.

    with stops_children():
        main()
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil

GRACE = 5.0  # seconds from SIGTERM to SIGKILL
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Children:
    """What this process started: its descendants, and the groups and sessions they lead."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.seen: dict[int, str] = {}  # pid: what it is, for every one found while running
        self._groups: set[int] = set()  # process-group and session ids led by a descendant
        self._own = {os.getpgid(0), os.getsid(0)}

    def on_signal(self, signum: int, frame: object) -> None:
        if self.signum is None:
            self.signum = signum
            self.note()  # before the bench's own clean-up stops some of them
        raise KeyboardInterrupt

    def note(self) -> list[psutil.Process]:
        """Every process of ours running now (remembered for the report)."""
        found = {p.pid: p for p in psutil.Process().children(recursive=True)}
        for pid in list(found):
            with contextlib.suppress(OSError):
                self._groups |= {os.getpgid(pid), os.getsid(pid)} - self._own
        if self._groups:  # members whose parent has gone are no longer our descendants
            for proc in psutil.process_iter():
                with contextlib.suppress(OSError, psutil.Error):
                    ids = {os.getpgid(proc.pid), os.getsid(proc.pid)}
                    if proc.pid not in found and ids & self._groups:
                        found[proc.pid] = proc
        for pid, proc in found.items():
            if pid not in self.seen:
                with contextlib.suppress(psutil.Error):
                    self.seen[pid] = describe(proc)  # while its command line can be read
        return list(found.values())

    def stop_the_rest(self) -> list[int]:
        """SIGTERM to every process of ours still running (to its whole group where it
        leads one), SIGKILL to those alive after `GRACE`; the pids signalled."""
        running = [p for p in self.note() if p.is_running()]
        for proc in running:
            _send(proc, signal.SIGTERM)
        _, alive = psutil.wait_procs(running, timeout=GRACE)
        for proc in alive:
            _send(proc, signal.SIGKILL)
        psutil.wait_procs(alive, timeout=GRACE)
        return [p.pid for p in running]

    def report(self, label: str, pids: list[int]) -> str:
        if not pids:
            return f"{label}: no process was running"
        names: dict[str, list[int]] = {}
        for pid in sorted(pids):
            names.setdefault(self.seen.get(pid, "a process"), []).append(pid)
        parts = [
            f"{name} (pid {group[0]})"
            if len(group) == 1
            else f"{len(group)} x {name} (pids {', '.join(map(str, group))})"
            for name, group in names.items()
        ]
        return f"{label}: {len(pids)} process(es): " + "; ".join(parts)


def _send(proc: psutil.Process, signum: int) -> None:
    with contextlib.suppress(OSError, psutil.Error):
        if os.getpgid(proc.pid) == proc.pid:  # it leads a group: its members go with it
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)


def describe(proc: psutil.Process) -> str:
    """What a process is, e.g. `livekit-server` or `python3 voice_capacity.py --session`: the
    program, and for Python the script or module and the argument after it (no other: they
    may hold paths or addresses)."""
    argv = proc.cmdline() or [proc.name()]
    program = Path(argv[0]).name
    if not program.startswith("python"):
        return program
    words = [program]
    args = iter(argv[1:])
    for arg in args:
        if len(words) == 1:  # the script or the module
            if arg in ("-m", "-c"):
                words.append(next(args, "") if arg == "-m" else "-c")
            elif not arg.startswith("-"):
                words.append(Path(arg).name)
        else:  # a subcommand or an option, unless it looks like a path or an address
            words += [arg] if re.fullmatch(r"[\w.=-]+", arg) else []
            break
    return " ".join(words)


@contextlib.contextmanager
def stops_children() -> Iterator[None]:
    """Run a bench's main: interrupted, it stops what it started and says so (see the
    module's docstring); ended in any other way, it stops any child it left running."""
    children = _Children()
    previous = {signum: signal.signal(signum, children.on_signal) for signum in SIGNALS}
    swept: list[int] = []
    try:
        yield
    except KeyboardInterrupt:
        children.signum = children.signum or signal.SIGINT
    finally:
        for signum in SIGNALS:  # the sweep is bounded: no signal cuts it short
            signal.signal(signum, signal.SIG_IGN)
        swept = children.stop_the_rest()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if children.signum is None and swept:
            print(children.report("bench: left running, stopped", swept), file=sys.stderr)
    if children.signum is not None:
        name = signal.Signals(children.signum).name
        stopped = list(children.seen)
        print(children.report(f"bench: {name}, stopped what it started", stopped), file=sys.stderr)
        if swept:
            print(children.report("bench: of which by the final sweep", swept), file=sys.stderr)
        raise SystemExit(128 + children.signum)
