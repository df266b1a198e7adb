"""The local runner: one agent process per interview, with limits and crash handling.

Processes come from `provisioner` (fork server, warm pool, cold start); sessions are kept
in a `Registry`. Threads: the caller's (`start`, `end` block it), the pool's refill
thread, and the registry's monitor that every `monitor_interval` s reads each session's
new events, notices exits, keeps the fork server running, and enforces the duration and
idle limits. A voice interview's room is deleted when it ends (`livekit.closer`).
`on_session_end(session_id, reason)` is called once per session that reached `ready`,
from whichever thread saw the end; a failed start raises `SessionStartError` instead.
Logs carry ids and reasons, never spec content.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from mockflow.config import Settings
from mockflow.launch.errors import SessionNotFoundError, SessionStartError
from mockflow.launch.livekit.closer import RoomCloser, take_room
from mockflow.launch.local.process import AgentCommand
from mockflow.launch.local.provisioner import AgentProvisioner
from mockflow.launch.local.startup import await_ready, prepare_spec
from mockflow.launch.records import close_timeline_of, remove_pid_file
from mockflow.launch.registry import Registry, SessionEndCallback
from mockflow.launch.runner import Closing
from mockflow.launch.session import (
    Session,
    SessionHandle,
    SessionStatus,
    describe_exit,
    limit_reason,
)

log = logging.getLogger("mockflow.launch")

Ask = Literal["command", "eof"]


class Supervisor(Closing):
    """Starts, watches and stops agent processes for the app process."""

    def __init__(
        self,
        settings: Settings,
        agent_script: Path | None = None,  # None: `python -m mockflow.agent`
        on_session_end: SessionEndCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        parent_env: Mapping[str, str] | None = None,
        end_grace_seconds: float = 10.0,
        stop_grace_seconds: float = 3.0,
        monitor_interval: float = 0.25,
    ) -> None:
        self.settings = settings
        self.agent_command = AgentCommand.of(agent_script)
        self._clock = clock
        self._end_grace = end_grace_seconds
        self._stop_grace = stop_grace_seconds
        self._rooms = RoomCloser("supervisor-rooms")
        self._procs = AgentProvisioner(
            settings, self.agent_command, os.environ if parent_env is None else parent_env
        )
        self._registry: Registry[Session] = Registry(
            settings.max_sessions,
            self._check,
            monitor_interval=monitor_interval,
            on_session_end=on_session_end,
            tick=self._procs.keep_fork_server,
            name="supervisor-monitor",
        )

    # -- public API ------------------------------------------------------------------

    def start(self, spec: Mapping[str, Any], *, wait: bool = True) -> SessionHandle:
        """Launch an interview; with `wait`, return once its agent wrote `ready`.

        Raises `LaunchSpecError` for a malformed spec and `SlotsBusyError` when every slot
        is taken. With `wait`, also `SessionStartError` when the agent fails or times out;
        the process is then gone and the timeline ends with `ended` reason `error`. Without
        `wait`, the handshake goes on in the background and its outcome, a failed start
        included, reaches `on_session_end` like any other end.
        """
        spec, room = take_room(spec)  # its credentials stay here: the agent only joins
        spec = prepare_spec(spec, self.settings.sessions_dir)
        session_id, session_dir = spec["session_id"], Path(spec["session_dir"])
        session = self._registry.reserve(
            session_id, session_dir, lambda: Session(session_id, session_dir, self._clock())
        )
        if room is not None:
            self._rooms.opened(session_id, room)
        from_pool = False
        try:
            proc, from_pool = self._procs.process_for(session)
            self._procs.write_pid_file(session)
            proc.send(spec)  # a closed pipe shows up as an exit in the handshake
        except BaseException as exc:
            self._abort_start(session, exc)
            if from_pool:
                self._procs.pool.release_hold()
            raise
        if not wait:
            threading.Thread(
                target=self._handshake_in_background,
                args=(session, spec, from_pool),
                name=f"start-{session.session_id}",
                daemon=True,
            ).start()
            return self._handle(session)
        try:
            self._handshake(session, spec)
        except BaseException as exc:
            self._abort_start(session, exc)
            raise
        finally:
            if from_pool:
                self._procs.pool.release_hold()
        return self._mark_running(session)

    def send(self, session_id: str, command: Mapping[str, Any]) -> None:
        """Relay a contract-2 command; `{"type": "end"}` is the same as `end()`."""
        session = self._registry.command_target(session_id, command)
        if session is None:
            self.end(session_id)
        elif session.proc is None or not session.proc.send(command):
            raise SessionNotFoundError(session_id)

    def end(self, session_id: str, reason: str = "user_ended", message: str = "") -> str:
        """Ask the agent to end, then terminate, then kill; return the recorded end reason.

        `reason="error"` with a `message` ends it as failed, for a cause the app saw (the
        browser could not join the room); the message lands in the timeline."""
        session = self._registry.find(session_id)
        if session.state != "ended":
            self._stop(session, reason, message=message)
        return session.end_reason or reason

    def status(self, session_id: str) -> SessionStatus:
        return self._registry.find(session_id).status(self._clock())

    def resources(self, session_id: str) -> tuple[int, float]:
        """(RSS bytes, CPU percent since the previous call) of the session's agent."""
        session = self._registry.live(session_id)
        return session.proc.resources() if session.proc else (0, 0.0)

    def active_sessions(self) -> list[str]:
        """Ids of sessions holding a slot (starting, running or stopping)."""
        return [s.session_id for s in self._registry.active()]

    def pool_pids(self) -> list[int]:
        return self._procs.pool.pids()

    def fork_server_pid(self) -> int | None:
        """The live fork server's pid (None: off, starting over, or dead)."""
        forks = self._procs.forks
        return forks.pid if forks else None

    def wait_fork_server(self, timeout: float) -> bool:
        """Whether the fork server is ready to fork within `timeout` seconds."""
        forks = self._procs.forks
        return forks is not None and forks.wait_ready(timeout)

    def wait_pool_warm(self, timeout: float) -> bool:
        """Whether the warm pool is full and warm within `timeout` seconds."""
        return self._procs.pool.wait_warm(timeout)

    def reap_orphans(self) -> list[str]:
        """Stop agents left by a previous app instance; return their session ids."""
        skip = {s.session_id for s in self._registry.active()}
        return self._procs.reap_orphans(skip, self._stop_grace)

    def close(self) -> None:
        """App shutdown: EOF to every agent (ended `app_gone`), then terminate, then kill."""
        sessions = self._registry.begin_close()
        if sessions is None:
            return
        workers = [
            threading.Thread(target=self._stop, args=(s, "app_gone"), kwargs={"ask": "eof"})
            for s in sessions
            if s.state in ("running", "stopping")
        ]
        workers.append(threading.Thread(target=self._procs.pool.close, args=(self._stop_grace,)))
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if self._procs.forks is not None:  # after the sessions: it reports their exit codes
            self._procs.forks.close(self._stop_grace)
        self._rooms.close()  # the ended sessions' rooms, deleted before the app goes

    # -- start -------------------------------------------------------------------------

    def _handshake(self, session: Session, spec: Mapping[str, Any]) -> None:
        await_ready(
            session,
            spec,
            timeout=self.settings.ready_timeout_seconds,
            clock=self._clock,
            closing=lambda: self._registry.closing,
        )

    def _handshake_in_background(
        self, session: Session, spec: Mapping[str, Any], from_pool: bool
    ) -> None:
        try:
            self._handshake(session, spec)
        except BaseException as exc:
            self._abort_start(session, exc)
            self._registry.notify(session.session_id, session.end_reason or "error")
            return
        finally:
            if from_pool:
                self._procs.pool.release_hold()
        self._mark_running(session)

    def _abort_start(self, session: Session, exc: BaseException) -> None:
        """Stop the process of a failed start and close its timeline (no callback).

        A start that failed because `end()` stopped it is not an error: it keeps the
        reason `end()` gave (or the one the agent wrote)."""
        message = str(exc) if isinstance(exc, SessionStartError) else None
        proc = session.proc
        with session.lock:
            if session.state == "ended":
                return
            requested = session.stop_reason
            session.stop_reason = requested or "error"
        if proc is not None and proc.poll() is None:
            proc.close_stdin()
            proc.halt(self._stop_grace)
        code = proc.poll() if proc is not None else None
        with session.lock:
            session.read_events(self._clock())
            reason = session.ended_seen or requested or "error"
            if proc is None or code is not None:  # single writer: only once it is dead
                if requested:
                    message = session.stop_message or None
                else:
                    message = message or "The interviewer could not be started."
                close_timeline_of(session.session_id, session.session_dir, reason, message)
            else:
                log.error("session %s: agent %s survived SIGKILL", session.session_id, proc.pid)
            self._retire(session, reason, code)
        if requested:
            log.info("session %s: ended during start (%s)", session.session_id, reason)
        else:
            log.warning(
                "session %s: start failed: %s", session.session_id, message or type(exc).__name__
            )

    def _handle(self, session: Session) -> SessionHandle:
        assert session.proc is not None
        ready = session.state in ("running", "stopping")
        return SessionHandle(
            session_id=session.session_id,
            session_dir=session.session_dir,
            events_path=session.events_path,
            pid=session.proc.pid,
            warm=session.warm,
            start_seconds=(self._clock() - session.started_at) if ready else None,
        )

    def _mark_running(self, session: Session) -> SessionHandle:
        assert session.proc is not None
        with session.lock:
            # an end() during the handshake already asked the agent to stop
            session.state = "stopping" if session.stop_reason else "running"
        seconds = self._clock() - session.started_at
        log.info(
            "session %s: ready (pid %s, %s start, %.2f s)",
            session.session_id,
            session.proc.pid,
            "forked" if session.forked else "warm" if session.warm else "cold",
            seconds,
        )
        return self._handle(session)

    # -- stop and finalize ---------------------------------------------------------------

    def _begin_stop(self, session: Session, reason: str, message: str = "") -> bool:
        """Record why the session is stopping; False if it already ended."""
        with session.lock:
            if session.state == "ended":
                return False
            session.request_stop(reason, message)
            if session.state == "running":
                session.state = "stopping"
            return True

    def _stop(
        self, session: Session, reason: str, *, ask: Ask = "command", message: str = ""
    ) -> None:
        """Ask the agent to end (`end` command or stdin EOF), escalate, then finalize."""
        if not self._begin_stop(session, reason, message) or session.proc is None:
            return
        proc = session.proc
        if ask == "command":
            command = {"type": "end", "reason": reason}
            proc.send({**command, "message": message} if session.stop_message else command)
        else:
            proc.close_stdin()
        proc.stop(self._end_grace, self._stop_grace)
        self._finalize(session)

    def _stop_in_background(self, session: Session, reason: str, *, ask: Ask = "command") -> None:
        if self._begin_stop(session, reason):
            threading.Thread(
                target=self._stop,
                args=(session, reason),
                kwargs={"ask": ask},
                name=f"stop-{session.session_id}",
                daemon=True,
            ).start()

    def _finalize(self, session: Session) -> None:
        """Close the books on a session whose process has exited (once)."""
        proc = session.proc
        with session.lock:
            if session.state in ("ended", "starting") or proc is None:
                return
            code = proc.poll()
            if code is None:
                return
            session.read_events(self._clock())
            reason = session.ended_seen
            if reason is None:
                reason = session.stop_reason or "error"
                message = session.stop_message or None
                if session.stop_reason is None:
                    message = (
                        f"The interviewer process stopped unexpectedly ({describe_exit(code)})."
                    )
                close_timeline_of(session.session_id, session.session_dir, reason, message)
            self._retire(session, reason, code)
        log.info("session %s: ended (%s, %s)", session.session_id, reason, describe_exit(code))
        self._registry.notify(session.session_id, reason)

    def _retire(self, session: Session, reason: str, code: int | None) -> None:
        session.state = "ended"
        session.end_reason = reason
        session.exit_code = code
        try:
            remove_pid_file(session.session_dir)
        except OSError as exc:  # a read-only data folder must not keep the slot
            log.error(
                "session %s: couldn't remove its pid file: %s", session.session_id, exc.strerror
            )
        if session.proc is not None:
            session.proc.release()
        self._registry.retire(session)
        self._rooms.ended(session.session_id)  # in the background: nothing waits on it

    def _check(self, session: Session) -> None:
        if session.state not in ("running", "stopping") or session.proc is None:
            return
        now = self._clock()
        with session.lock:
            session.read_events(now)
        if session.proc.poll() is not None:
            self._finalize(session)
            return
        if session.state == "stopping":
            return
        if session.ended_seen_at is not None:
            if now - session.ended_seen_at >= self._end_grace:
                log.warning("session %s: agent still running after ended", session.session_id)
                self._stop_in_background(session, session.ended_seen or "error", ask="eof")
            return
        kind = limit_reason(
            now=now,
            started_at=session.started_at,
            last_event_at=session.last_event_at,
            max_session_seconds=self.settings.max_session_seconds,
            idle_timeout_seconds=self.settings.idle_timeout_seconds,
        )
        if kind is not None:
            log.info("session %s: %s limit reached; ending", session.session_id, kind)
            self._stop_in_background(session, "timeout")
