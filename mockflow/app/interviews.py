"""Interviews as the app sees them: validate a setup, start the agent, relay answers,
follow the timeline, end, and keep the store's status in step with the agent process.

The Gradio handlers and the named HTTP endpoints both call this; it never touches Gradio.
Every call takes the user id, and a session of another user is "not found".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mockflow.app.disk import refuse_answer_when_low, refuse_start_when_low
from mockflow.app.fair_use import FairUse, FairUseError, FairUseLimits, Reservation
from mockflow.app.launch_specs import launch_spec
from mockflow.app.local_providers import (
    LocalProviders,
    LocalServers,
    start_local,
    with_local_defaults,
)
from mockflow.app.machine_load import MachineLoad
from mockflow.app.practice import (
    PRACTICE_UNAVAILABLE,
    overrun_after,
    ran_seconds,
    time_budget,
)
from mockflow.app.setup import (
    MAX_ANSWER_CHARS,
    InterviewSetup,
    MissingKeysError,
    SetupError,
    answer_text,
    missing_keys,
    session_meta,
)
from mockflow.config import Settings
from mockflow.contracts.events import EVENTS_FILE, EventTail, Timeline, read_timeline
from mockflow.contracts.meta import read_meta, write_meta
from mockflow.errors import MockflowError
from mockflow.launch.livekit.tokens import candidate_token
from mockflow.net.guard import LIVEKIT_SCHEMES, NetGuard
from mockflow.net.pinning import Pin
from mockflow.store.db import NotFoundError, SessionRecord, Store
from mockflow.store.practice_links import PracticeLink
from mockflow.store.recovery import STATUS_OF_REASON
from mockflow.store.vault import ProviderKeys, Vault

log = logging.getLogger("mockflow.app.interviews")

ALREADY_RUNNING = (
    "You already have an interview running. Continue it in the Interview tab, or end it "
    "there before starting another."
)


@dataclass(frozen=True)
class StartedInterview:
    session_id: str
    mode: str
    events_path: Path
    room: dict[str, str] | None = None  # url + candidate token, for this browser only


class Launcher(Protocol):
    """What runs interviews: the local `Supervisor`, or the `Dispatcher` of scale-out mode."""

    def start(self, spec: dict[str, Any], *, wait: bool = True) -> Any: ...
    def send(self, session_id: str, command: dict[str, Any]) -> None: ...
    def end(self, session_id: str, reason: str = "user_ended", message: str = "") -> str: ...


@dataclass
class InterviewService:
    settings: Settings
    store: Store
    vault: Vault
    supervisor: Launcher | None = None
    voice_workers: Launcher | None = None  # dispatch mode: voice goes to LiveKit workers
    fair: FairUse | None = None
    machine_load: MachineLoad | None = None  # refuses voice past real time
    guard: NetGuard | None = None  # vets a visitor's provider URLs on a public link
    # the app's own local LiveKit server (url, key, secret) while it runs; local mode only
    local_livekit: Callable[[], tuple[str, str, str] | None] = lambda: None
    local_models: LocalServers | None = None  # the app's own models, where allowed
    _owners: dict[str, str] = field(default_factory=dict)
    _starting: set[str] = field(default_factory=set)  # users whose start is under way
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _overruns: dict[str, threading.Timer] = field(default_factory=dict)  # practice links'

    def __post_init__(self) -> None:
        if self.fair is None:
            s = self.settings
            limits = FairUseLimits(s.running_per_ip, s.starts_per_hour, s.new_users_per_hour)
            self.fair = FairUse(limits, public=s.public)
        if self.guard is None:
            self.guard = NetGuard.from_settings(self.settings)
        if self.machine_load is None:
            self.machine_load = MachineLoad.from_settings(self.settings)

    def attach(self, supervisor: Launcher, voice_workers: Launcher | None = None) -> None:
        self.supervisor = supervisor
        self.voice_workers = voice_workers

    def _launcher(self, mode: str) -> Launcher:
        if mode == "voice" and self.voice_workers is not None:
            return self.voice_workers
        assert self.supervisor is not None
        return self.supervisor

    def missing_for(self, keys: ProviderKeys, mode: str) -> list[str]:
        return missing_keys(
            self.with_defaults(keys),
            mode,
            voice_by_workers=self.voice_workers is not None,
            local_livekit=self.local_livekit() is not None,
            local_models=self.local_models is not None,
        )

    def with_defaults(self, keys: ProviderKeys) -> ProviderKeys:
        """Where the app offers local models, a role the user left unset is local."""
        return keys if self.local_models is None else with_local_defaults(keys)

    def _livekit(self, keys: ProviderKeys) -> tuple[str, str, str]:
        """URL, key and secret of the LiveKit project that hosts voice rooms: the
        operator's (dispatch mode, from the server's environment) or the user's own."""
        if self.voice_workers is not None:
            env = self.settings.env_keys
            return env.livekit_url or "", env.livekit_api_key or "", env.livekit_api_secret or ""
        has_own = keys.livekit_url and keys.livekit_api_key and keys.livekit_api_secret
        if not has_own and (local := self.local_livekit()) is not None:
            return local  # the app's own server: its credentials never reach the store
        return keys.livekit_url or "", keys.livekit_api_key or "", keys.livekit_api_secret or ""

    def start(
        self,
        user_id: str,
        setup: InterviewSetup,
        *,
        ip: str | None = None,
        practice: PracticeLink | None = None,
    ) -> StartedInterview:
        """Start one interview for `user_id` (from client address `ip`); one at a time.
        Through a coach's `practice` link, a sponsored link's interviews run on the coach's
        keys and count against its quotas."""
        refuse_start_when_low(self.settings)  # the free-disk floor, before anything counts
        if problems := setup.problems():
            raise SetupError(problems)
        self.store.touch(user_id)
        payer = practice.coach_id if practice is not None and practice.sponsored else user_id
        keys = self.with_defaults(self.vault.resolve_keys(payer).keys)
        if missing := self.missing_for(keys, setup.mode):
            if payer != user_id:
                raise MissingKeysError(PRACTICE_UNAVAILABLE)  # never which of the coach's
            raise MissingKeysError(
                f"{setup.mode.capitalize()} interviews need {' and '.join(missing)}. "
                "Add them in the Settings tab."
            )
        pin = self._vet_addresses(keys, setup.mode)
        with self._lock:
            if user_id in self._starting:
                raise FairUseError(ALREADY_RUNNING)
            self._starting.add(user_id)
        try:
            running = [  # the store lags the timeline by a moment after an end
                s
                for s in self.store.list_sessions(user_id, 50)
                if s.is_active and not self.is_over(user_id, s.id)
            ]
            if len(running) >= self.settings.running_per_user:
                raise FairUseError(ALREADY_RUNNING)
            assert self.fair is not None
            by_workers = setup.mode == "voice" and self.voice_workers is not None
            if setup.mode == "voice" and not by_workers:
                self.machine_load.refuse_when_busy()  # type: ignore[union-attr]
            reservation = self.fair.reserve(
                user_id,
                ip,
                pool="workers" if by_workers else "local",
                practice_link=practice.id if practice is not None else None,
                server_slots=self.settings.max_sessions,
            )
            try:
                local = LocalProviders()
                if self.local_models is not None:
                    local = start_local(self.local_models, keys, setup.mode)
                return self._launch(user_id, setup, keys, pin, practice, local, reservation)
            except BaseException:
                reservation.release()  # nothing runs: the slots are free again
                raise
        finally:
            with self._lock:
                self._starting.discard(user_id)

    def _vet_addresses(self, keys: ProviderKeys, mode: str) -> Pin | None:
        """Before anything starts: on a public link, the user's own provider and LiveKit
        URLs must be public addresses (`AddressRefusedError` otherwise). Returns the pin
        for the OpenAI-compatible base URL, which the agent connects through."""
        assert self.guard is not None
        by_workers = mode == "voice" and self.voice_workers is not None
        if by_workers:
            return None  # workers use their own providers and the operator's LiveKit
        if mode == "voice" and keys.livekit_url:
            self.guard.vet(keys.livekit_url, schemes=LIVEKIT_SCHEMES)
        return self.guard.vet(keys.openai_base_url) if keys.openai_base_url else None

    def _launch(
        self,
        user_id: str,
        setup: InterviewSetup,
        keys: ProviderKeys,
        pin: Pin | None = None,
        practice: PracticeLink | None = None,
        local: LocalProviders | None = None,
        reservation: Reservation | None = None,
    ) -> StartedInterview:
        local = local or LocalProviders()
        record = self.store.create_session(
            user_id, role=setup.role.strip(), track=setup.track, level=setup.level, mode=setup.mode
        )
        budget = None
        if practice is not None:
            try:  # the quotas are checked and spent, and the minutes granted, in one step
                granted = self.store.reserve_practice_interview(user_id, practice.id, record.id)
            except MockflowError:  # nothing started: nothing left in the candidate's history
                self.store.set_status(user_id, record.id, "failed", end_reason="error")
                self.store.delete_session(user_id, record.id)
                raise
            budget = time_budget(practice, granted, self.settings.practice_minute_seconds)
        with self._lock:
            self._owners[record.id] = user_id
        if reservation is not None:  # before the launch: an end reported at once frees it
            reservation.started(record.id)
        by_workers = setup.mode == "voice" and self.voice_workers is not None
        livekit = self._livekit(keys) if setup.mode == "voice" else None
        spec, room = launch_spec(
            record,
            setup,
            keys,
            livekit,
            stage_limits=setup.stage_limits(self.settings.stage_scale),
            practice=practice,
            budget=budget,
            pinned_address=pin.address if pin is not None else None,
            by_workers=by_workers,
            deepgram_url=self.settings.users_deepgram_url,
            local=local,
            llm_timeout=self.settings.llm_timeout(local.llm is not None, keys.openai_base_url),
        )
        room_name = spec.get("livekit", {}).get("room")
        write_meta(Path(record.session_dir), session_meta(setup, room_name, record=record))
        try:
            # voice: the browser joins the room while the agent does; the handshake's
            # outcome arrives through on_session_end and the timeline
            handle = self._launcher(setup.mode).start(spec, wait=setup.mode != "voice")
        except MockflowError:
            with self._lock:
                self._owners.pop(record.id, None)
            self.store.set_status(user_id, record.id, "failed", end_reason="error")
            if practice is not None:  # its grant goes back to the link
                self.store.record_practice_minutes(user_id, record.id, 0.0)
            raise
        self.store.set_status(user_id, record.id, "running")
        self._end_on_overrun(user_id, record.id, overrun_after(budget, self._minute))
        log.info("session %s started (%s, %s)", record.id, setup.mode, setup.track)
        return StartedInterview(record.id, setup.mode, handle.events_path, room)

    @property
    def _minute(self) -> float:
        return self.settings.practice_minute_seconds

    def _end_on_overrun(self, user_id: str, session_id: str, after: float | None) -> None:
        """The app's backstop for a practice link's time (the agent ends the interview at
        its budget): still running `after` seconds on, it is ended as `timeout`."""
        if after is None:
            return
        timer = threading.Timer(after, self._overran, (user_id, session_id))
        timer.daemon = True
        with self._lock:
            self._overruns[session_id] = timer
        timer.start()

    def _overran(self, user_id: str, session_id: str) -> None:
        with self._lock:
            self._overruns.pop(session_id, None)
        try:
            if not self.is_over(user_id, session_id):
                log.warning("session %s: past its practice link's time; ending", session_id)
                self.end(user_id, session_id, "timeout")
        except MockflowError as exc:
            log.info("session %s: not ended at its time (%s)", session_id, type(exc).__name__)

    def session(self, user_id: str, session_id: str) -> SessionRecord:
        """One of the user's sessions (what a poll asks for: it counts as activity)."""
        record = self.store.get_session(user_id, session_id)
        self.store.touch(user_id)
        return record

    def send_answer(self, user_id: str, session_id: str, text: str) -> None:
        text = answer_text(text)  # cleaned and within its limit, or refused
        refuse_answer_when_low(self.settings)  # it could not be recorded: not sent
        record = self._running(user_id, session_id)
        if self.is_over(user_id, session_id):  # the store lags the timeline's end
            raise MockflowError("This interview has already ended.")
        self.store.touch(user_id)
        command = {"type": "user_text", "text": text[:MAX_ANSWER_CHARS]}
        self._launcher(record.mode).send(session_id, command)

    def skip_stage(self, user_id: str, session_id: str) -> None:
        record = self._running(user_id, session_id)
        self._launcher(record.mode).send(session_id, {"type": "skip_stage"})

    def end(
        self, user_id: str, session_id: str, reason: str = "user_ended", message: str = ""
    ) -> None:
        """End a running interview: the user's choice, or `reason="error"` with the cause
        the app saw (the browser could not join the room)."""
        record = self.store.get_session(user_id, session_id)
        if record.is_active and self.supervisor is not None:
            self._launcher(record.mode).end(session_id, reason, message)

    def is_over(self, user_id: str, session_id: str) -> bool:
        """Ended, by the store or already by the timeline (which the store may lag)."""
        record = self.store.get_session(user_id, session_id)
        if not record.is_active:
            return True
        events_path = Path(record.session_dir) / EVENTS_FILE
        try:
            size = events_path.stat().st_size
        except OSError:
            return False
        # `ended` is the last line: the file's tail is enough (a cut first line is skipped)
        tail = EventTail(events_path, offset=max(0, size - 4096)).read_new()
        return Timeline.of(tail).ended is not None

    def rejoin_room(self, user_id: str, session_id: str) -> dict[str, str] | None:
        """A fresh candidate token for a running voice interview's room (page refresh)."""
        record = self._running(user_id, session_id)
        if record.mode != "voice":
            return None
        meta = read_meta(Path(record.session_dir))
        keys = self.vault.resolve_keys(user_id).keys
        if not meta.get("room") or self.missing_for(keys, "voice"):
            return None
        url, api_key, api_secret = self._livekit(keys)
        token = candidate_token(
            api_key, api_secret, meta["room"], name=meta.get("candidate_name", "")
        )
        return {"url": url, "token": token}

    def active_session(self, user_id: str) -> SessionRecord | None:
        """The user's running interview, for re-attaching after a page refresh (a page
        load: it counts as activity)."""
        self.store.touch(user_id)
        return next((s for s in self.store.list_sessions(user_id, 20) if s.is_active), None)

    def end_active(self, user_id: str, reason: str = "user_ended") -> None:
        """End the user's running interview, if any (their last tab closed)."""
        record = self.active_session(user_id)
        if record is not None:
            log.info("session %s: its last tab closed; ending", record.id)
            self.end(user_id, record.id, reason)

    def on_session_end(self, session_id: str, reason: str) -> None:
        """Supervisor callback: record how the session ended."""
        with self._lock:
            user_id = self._owners.pop(session_id, None)
            overrun = self._overruns.pop(session_id, None)
        if overrun is not None:
            overrun.cancel()
        if self.fair is not None:
            self.fair.ended(session_id)
        if user_id is None:
            return
        try:
            record = self.store.set_status(
                user_id, session_id, STATUS_OF_REASON.get(reason, "failed"), end_reason=reason
            )
            if record.duration is not None:  # a practice link's use, if it was one
                timeline = read_timeline(Path(record.session_dir))
                minutes = ran_seconds(timeline, record.duration) / self._minute
                self.store.record_practice_minutes(user_id, session_id, minutes, timeline.usage)
        except NotFoundError:
            log.info("session %s ended after it was deleted", session_id)

    def adopt_dispatched(self) -> list[str]:
        """After a restart in dispatch mode: follow the voice interviews workers still
        serve (their timeline has not ended); return their ids."""
        adopted: list[str] = []
        workers = self.voice_workers
        if workers is None or not hasattr(workers, "adopt"):
            return adopted
        for record in self.store.sessions_left_running():
            session_dir = Path(record.session_dir)
            room = read_meta(session_dir).get("room") if record.mode == "voice" else None
            if room and workers.adopt(record.id, session_dir, room):
                with self._lock:
                    self._owners[record.id] = record.user_id
                adopted.append(record.id)
        return adopted

    def mark_interrupted(self, session_ids: list[str]) -> None:
        """After orphan reaping: every session still marked running was interrupted."""
        reaped = set(session_ids)
        for record in self.store.sessions_left_running():
            if record.id in reaped or record.id not in self._owners:
                self.store.set_status(
                    record.user_id, record.id, "interrupted", end_reason="interrupted"
                )

    def _running(self, user_id: str, session_id: str) -> SessionRecord:
        record = self.store.get_session(user_id, session_id)
        if not record.is_active:
            raise MockflowError("This interview has already ended.")
        return record
