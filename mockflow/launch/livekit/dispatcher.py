"""Dispatch mode for the app: interviews served by MockFlow workers through LiveKit.

`Dispatcher` has the `Supervisor`'s public surface, so the app can hold either. Instead of
spawning an agent process it creates an explicit LiveKit dispatch
(`mockflow.launch.livekit.dispatch`) and waits for a worker (`python agent_entry.py worker`)
to send `ready`. The worker shares no folder with the app: it sends each event over the
room to the app's hidden participant (`timeline_listener`, one per running interview),
which checks, numbers and acknowledges it and appends it to `<sessions_dir>/<id>/
events.jsonl`. Commands go into the room as server-sent data.

Single writer: the listener writes the timeline. The app appends `error`/`ended` only once it
has given up on the worker, stopped the listener and deleted the room (a failed start, an
`end` the worker did not honour within the grace), so no worker can still be serving that
interview. After any other
end the room is deleted in the background (`closer`): nobody is left to serve it.

Threads: the callers' (`start`, `end` block them), the registry's monitor that every
`monitor_interval` s reads each running session's new events, notices a worker gone
(`presence`) and enforces the duration and idle limits, one
private asyncio loop for the livekit-api calls, and one thread per background start or stop.
`on_session_end(session_id, reason)` is called once per session that reached `ready` or was
started without waiting. Logs carry ids and reasons only.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

from mockflow.config import Settings
from mockflow.contracts.job import HEARTBEAT_FILE
from mockflow.errors import LaunchSpecError, MockflowError
from mockflow.launch.errors import DispatcherClosedError, SessionNotFoundError, SessionStartError
from mockflow.launch.livekit.closer import InterviewRoomAccess, RoomCloser
from mockflow.launch.livekit.dispatch import LiveKitCredentials, LiveKitError, LiveKitRooms
from mockflow.launch.livekit.loop_thread import LoopThread
from mockflow.launch.livekit.presence import WorkerWatch
from mockflow.launch.livekit.remote_session import WORKER_GONE, RemoteSession, await_worker_ready
from mockflow.launch.livekit.timeline_listener import TimelineListeners
from mockflow.launch.local.redact import spec_secrets
from mockflow.launch.local.startup import prepare_spec
from mockflow.launch.records import close_timeline_of, ended_reason
from mockflow.launch.registry import Registry, SessionEndCallback
from mockflow.launch.runner import Closing
from mockflow.launch.session import SessionHandle, SessionStatus, limit_reason

__all__ = ["Dispatcher", "LiveKitCredentials"]

log = logging.getLogger("mockflow.launch.livekit.dispatcher")

CALL_SECONDS = 60.0  # one livekit-api call, its own retries included
LEAVE_GRACE = 5.0  # after its `ended`, how long the worker's agent may take to leave
LEAVE_POLL = 0.2

T = TypeVar("T")


class Dispatcher(Closing):
    """Starts, watches and stops interviews that MockFlow workers serve."""

    def __init__(
        self,
        settings: Settings,
        on_session_end: SessionEndCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        credentials: LiveKitCredentials,
        monitor_interval: float = 0.5,
        end_grace_seconds: float = 10.0,
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self._clock = clock
        self._end_grace = end_grace_seconds
        self._rooms = LiveKitRooms(credentials, agent_name=settings.worker_name)
        self._loop = LoopThread("dispatcher-livekit")
        self._watch = WorkerWatch(self._rooms, self._call)
        self._closer = RoomCloser("dispatcher-rooms")
        self._listeners = TimelineListeners(credentials, self._loop)
        self._registry: Registry[RemoteSession] = Registry(
            settings.max_sessions,
            self._check,
            monitor_interval=monitor_interval,
            on_session_end=on_session_end,
            name="dispatcher-monitor",
        )

    # -- public API ------------------------------------------------------------------

    def start(self, spec: Mapping[str, Any], *, wait: bool = True) -> SessionHandle:
        """Dispatch a voice interview; with `wait`, return once its worker wrote `ready`.

        Raises `LaunchSpecError`/`ValueError` for a bad spec, `SlotsBusyError` when every
        slot is taken and `SessionStartError` when the dispatch fails. With `wait`, also
        `SessionStartError` when no worker is ready in time or the worker gives up; the
        room is then deleted and the timeline ends. Without `wait`, the handshake goes on
        in the background and its outcome, a failed start included, reaches
        `on_session_end`. The handle's `pid` is 0: the worker is on another machine.
        """
        prepared = self._prepare(spec)
        session = self._reserve(prepared)
        try:
            dispatch_id = self._call(self._rooms.dispatch(session.room, prepared))
        except BaseException as exc:
            self._abort_start(session, exc)
            if isinstance(exc, MockflowError) and not isinstance(exc, SessionStartError):
                raise SessionStartError(str(exc)) from None
            raise
        log.info("session %s: dispatched (%s)", session.session_id, dispatch_id)
        if not wait:
            session.notify = True
            threading.Thread(
                target=self._start_in_background,
                args=(session,),
                name=f"start-{session.session_id}",
                daemon=True,
            ).start()
            return session.handle()
        try:
            self._await_ready(session)
        except BaseException as exc:
            self._abort_start(session, exc)
            raise
        return self._mark_running(session)

    def adopt(self, session_id: str, session_dir: Path, room: str) -> bool:
        """Follow an interview a worker was serving before this app started (a restart).

        Returns False when its timeline already ended or a slot is not free; the monitor
        then follows it like any other: its worker's `ended`, a stopped heartbeat or the
        limits end it, and `end()` works."""
        session = RemoteSession(session_id, session_dir, self._clock(), room=room)
        session.read_events(self._clock())
        if session.ended_seen is not None or session.ready_at is None:
            return False
        session.state, session.notify = "running", True
        if not self._registry.adopt(session):
            return False
        self._closer.opened(session_id, InterviewRoomAccess(self.credentials, room))
        # a beat from before the restart would look stale until the listener has joined
        (session_dir / HEARTBEAT_FILE).unlink(missing_ok=True)
        self._listeners.follow(session.session_id, session.session_dir, session.room)
        log.info("session %s: following its worker after a restart", session_id)
        return True

    def send(self, session_id: str, command: Mapping[str, Any]) -> None:
        """Relay a contract-2 command into the room; `{"type": "end"}` is `end()`."""
        session = self._registry.command_target(session_id, command)
        if session is None:
            self.end(session_id)
            return
        if self._registry.closing:
            raise DispatcherClosedError()
        payload = {"type": command["type"]}
        if payload["type"] == "user_text":
            payload["text"] = str(command.get("text", ""))
        try:
            self._call(self._rooms.send_command(session.room, payload))
        except LiveKitError as exc:
            if exc.status == 404:  # the room is gone, so is the interview
                raise SessionNotFoundError(session_id) from None
            raise

    def end(self, session_id: str, reason: str = "user_ended", message: str = "") -> str:
        """Ask the worker to end; past the grace, delete the room and close the timeline.

        `reason="error"` with a `message` ends it as failed, for a cause the app saw (the
        browser could not join the room); the message lands in the timeline. Returns the
        recorded end reason; calling it again returns the same one.
        """
        session = self._registry.find(session_id)
        if session.state == "ended":
            return session.end_reason or reason
        if self._registry.closing:
            raise DispatcherClosedError()
        with session.lock:
            if session.state == "starting":
                session.request_stop(reason, message)  # the start sees it and stops there
        if session.begin_stop(reason, message):
            self._stop(session)
        else:
            session.done.wait(self._settle_seconds())
        return session.end_reason or reason

    def status(self, session_id: str) -> SessionStatus:
        return self._registry.find(session_id).status(self._clock())

    def resources(self, session_id: str) -> tuple[int, float]:
        """Always (0, 0.0): the interview runs in a worker process on another machine."""
        self._registry.live(session_id)
        return 0, 0.0

    def active_sessions(self) -> list[str]:
        """Ids of sessions holding a slot (starting, running or stopping)."""
        return [s.session_id for s in self._registry.active()]

    def pool_pids(self) -> list[int]:
        """Always empty: workers keep their own warm processes."""
        return []

    def wait_pool_warm(self, timeout: float) -> bool:
        return True

    def reap_orphans(self) -> list[str]:
        """Nothing to reap: the app starts no process in this mode."""
        return []

    def close(self) -> None:
        """App shutdown: stop watching and close the LiveKit client.

        Starts still waiting for a worker are abandoned (their rooms deleted). Running
        interviews keep going on their workers, which keep their timelines until an app
        follows them again (`adopt` after a restart); nothing here ends them.
        """
        sessions = self._registry.begin_close()
        if sessions is None:
            return
        pending = [s for s in sessions if s.state in ("starting", "stopping")]
        deadline = time.monotonic() + self._end_grace + 5.0
        for session in pending:
            session.done.wait(max(0.0, deadline - time.monotonic()))
        self._listeners.close_all()
        try:
            self._loop.run(self._rooms.aclose(), 5.0)
        except Exception:
            log.debug("closing the LiveKit client failed", exc_info=True)
        self._loop.stop()
        self._closer.close()

    # -- start -------------------------------------------------------------------------

    def _prepare(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        prepared = prepare_spec(spec, self.settings.sessions_dir)
        if prepared.get("transport") != "room":
            raise LaunchSpecError("launch spec: dispatch mode runs voice interviews only")
        if not (prepared.get("livekit") or {}).get("room"):
            raise LaunchSpecError("launch spec: livekit.room must name the interview's room")
        return prepared

    def _reserve(self, spec: dict[str, Any]) -> RemoteSession:
        session_id, session_dir = spec["session_id"], Path(spec["session_dir"])
        room = spec["livekit"]["room"]
        session = self._registry.reserve(
            session_id,
            session_dir,
            lambda: RemoteSession(
                session_id, session_dir, self._clock(), room=room, secrets=spec_secrets(spec)
            ),
        )
        self._closer.opened(session_id, InterviewRoomAccess(self.credentials, room))
        self._listeners.follow(session.session_id, session.session_dir, session.room)
        return session

    def _await_ready(self, session: RemoteSession) -> None:
        await_worker_ready(
            session,
            timeout=self.settings.ready_timeout_seconds,
            clock=self._clock,
            closing=lambda: self._registry.closing,
        )

    def _start_in_background(self, session: RemoteSession) -> None:
        try:
            self._await_ready(session)
        except BaseException as exc:
            self._abort_start(session, exc)  # notifies: the caller did not wait
            return
        self._mark_running(session)

    def _abort_start(self, session: RemoteSession, exc: BaseException) -> None:
        """Delete the room of a failed start, then close its timeline unless the worker did.

        A start that `end()` stopped is not an error: it keeps the reason `end()` gave."""
        with session.lock:
            if session.state == "ended":
                return
            requested = session.stop_reason
            session.state = "stopping"
            session.stop_reason = requested or "error"
        self._delete_room(session)
        if session.heard and session.ended_seen is None:  # a worker that got the job ends it
            session.wait_for_ended(self._end_grace, self._clock)
        message = str(exc) if isinstance(exc, MockflowError) else None
        if requested:
            log.info("session %s: ended during start (%s)", session.session_id, requested)
        else:
            log.warning("session %s: start failed: %s", session.session_id, message)
        if session.worker_error is not None:
            message = None  # the worker's own error line says why
        elif requested:
            message = session.stop_message or None
        else:
            message = message or "The interviewer could not be started."
        self._finish(session, requested or "error", message=message)

    def _mark_running(self, session: RemoteSession) -> SessionHandle:
        with session.lock:
            session.state = "running"
            session.notify = True
            requested = session.stop_reason
        seconds = (session.ready_at or self._clock()) - session.started_at
        log.info("session %s: ready (%.2f s)", session.session_id, seconds)
        if requested and session.begin_stop(requested):  # end() came with `ready`
            self._stop_in_background(session)
        return session.handle()

    # -- stop and finish -----------------------------------------------------------------

    def _stop(self, session: RemoteSession) -> None:
        """Send `end`, wait for the worker's `ended`, else delete the room and close."""
        reason = session.stop_reason or "user_ended"
        command = {"type": "end", "reason": reason}
        if session.stop_message:
            command["message"] = session.stop_message
        try:
            self._call(self._rooms.send_command(session.room, command))
            answered = session.wait_for_ended(self._end_grace, self._clock)
        except MockflowError as exc:
            log.warning("session %s: end command not delivered: %s", session.session_id, exc)
            answered = False
        if not answered:
            log.warning("session %s: no `ended` from the worker; closing", session.session_id)
            self._delete_room(session)
        self._finish(session, reason, message=session.stop_message or None)

    def _close_room_once_left(self, session: RemoteSession) -> None:
        """The worker wrote `ended` and leaves once the listener acknowledged it: delete
        the room after it left (or `LEAVE_GRACE` s), so the candidate sees it leave."""

        def close() -> None:
            deadline = time.monotonic() + LEAVE_GRACE
            while time.monotonic() < deadline:
                try:
                    if not self._call(self._rooms.agent_present(session.room)):
                        break
                except MockflowError:
                    break
                time.sleep(LEAVE_POLL)
            self._closer.ended(session.session_id)

        threading.Thread(target=close, name=f"close-{session.session_id}", daemon=True).start()

    def _stop_in_background(self, session: RemoteSession) -> None:
        threading.Thread(
            target=self._stop, args=(session,), name=f"stop-{session.session_id}", daemon=True
        ).start()

    def _delete_room(self, session: RemoteSession) -> None:
        """Delete it now: the caller writes the timeline only once no worker can serve it."""
        self._listeners.unfollow(session.session_id)
        self._closer.forget(session.session_id)
        try:
            self._call(self._rooms.delete_room(session.room))
        except MockflowError as exc:
            log.warning("session %s: room not deleted: %s", session.session_id, exc)

    def _finish(self, session: RemoteSession, reason: str, *, message: str | None = None) -> None:
        """Record the end once: the worker's `ended` if it wrote one, else close the timeline
        with `reason` (the caller has given up on the worker); then notify."""
        if session.state != "ended":
            self._listeners.unfollow(session.session_id)  # the one writer stops first
        with session.lock:
            if session.state == "ended":
                return
            session.read_events(self._clock())
            if session.ended_seen is not None:
                reason = session.ended_seen
            elif not close_timeline_of(session.session_id, session.session_dir, reason, message):
                reason = ended_reason(session.events_path) or reason
            session.state = "ended"
            session.end_reason = reason
        self._registry.retire(session)
        if session.ended_seen is not None:
            self._close_room_once_left(session)
        else:
            self._closer.ended(session.session_id)
        log.info("session %s: ended (%s)", session.session_id, reason)
        if session.notify:
            self._registry.notify(session.session_id, reason)
        session.done.set()  # after the callback: an `end()` waiting here returns after it

    # -- monitor -------------------------------------------------------------------------

    def _check(self, session: RemoteSession) -> None:
        if session.state != "running":
            return
        now = self._clock()
        session.read_events(now)
        if session.ended_seen is not None:
            self._finish(session, session.ended_seen)
            return
        if self._watch.gone(session, now):
            self._abandon(session)
            return
        kind = limit_reason(
            now=now,
            started_at=session.started_at,
            last_event_at=session.last_event_at,
            max_session_seconds=self.settings.max_session_seconds,
            idle_timeout_seconds=self.settings.idle_timeout_seconds,
        )
        if kind is not None and session.begin_stop("timeout"):
            log.info("session %s: %s limit reached; ending", session.session_id, kind)
            self._stop_in_background(session)

    def _abandon(self, session: RemoteSession) -> None:
        """The worker died without `ended`: close the room (nobody serves it), then the
        timeline, in error."""
        if not session.begin_stop("error", WORKER_GONE):
            return
        log.warning("session %s: its worker is gone; closing the room", session.session_id)
        self._delete_room(session)
        self._finish(session, "error", message=WORKER_GONE)

    # -- helpers -------------------------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one livekit-api coroutine on the private loop; failures are MockflowErrors."""
        try:
            return self._loop.run(coro, CALL_SECONDS)
        except TimeoutError:
            raise LiveKitError(self.credentials.where, "did not answer in time.") from None
        except concurrent.futures.CancelledError:
            raise DispatcherClosedError() from None

    def _settle_seconds(self) -> float:
        """How long `end()` waits for another thread's start or stop to finish."""
        return self.settings.ready_timeout_seconds + self._end_grace + 3 * CALL_SECONDS
