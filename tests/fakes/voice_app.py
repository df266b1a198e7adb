"""The app's voice path through a real LiveKit server, for tests and benchmarks.

The app's own services (store, vault, `InterviewService`, the `Supervisor` spawning
`agent_entry.py`) run in this process with the local user's server-side keys pointing at
local fakes: `FakeOpenAI` (LLM, TTS and, if chosen, STT) and `FakeDeepgram`. The room is
the real SFU. A `RoomCandidate` joins with the token the app minted for the browser.

    app = VoiceApp.build(tmp_path, livekit=server, openai=fake, deepgram=dg)
    live = await app.start(patience="normal")
    async with live.candidate:
        await live.candidate.wait_for_burst(1)
    ...
    app.close()
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockflow.app.interviews import StartedInterview
from mockflow.app.setup import InterviewSetup
from mockflow.config import EnvKeys, Settings
from mockflow.contracts.events import EVENTS_FILE, read_events
from mockflow.contracts.ids import LOCAL_USER_ID
from mockflow.launch.livekit.server import LocalLiveKitServer
from mockflow.store.vault import ProviderKeys
from mockflow.ui.services import AppServices, build_services
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.room_candidate import RoomCandidate

SETUP = {
    "name": "Ana Lima",
    "role": "Backend Engineer",
    "level": "mid",
    "track": "behavioral",
    "length": "standard",
    "mode": "voice",
    "job_description": "Own our billing services in Go and PostgreSQL on Kubernetes.",
}


@dataclass
class LiveInterview:
    """One voice interview the app started, and the candidate who will join it."""

    app: VoiceApp
    started: StartedInterview
    candidate: RoomCandidate

    @property
    def session_id(self) -> str:
        return self.started.session_id

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        if not self.started.events_path.exists():
            return []  # the agent has not written anything yet
        events = read_events(self.started.events_path)
        return [e for e in events if type is None or e["type"] == type]

    def turns(self, role: str | None = None) -> list[dict[str, Any]]:
        return [t for t in self.events("turn") if role is None or t["role"] == role]

    async def wait_for(self, predicate, timeout: float = 30.0, what: str = "condition") -> Any:
        """Poll the timeline (every 50 ms) until `predicate(events)` is truthy; return it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate(self.events())
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {self.events()[-5:]}")
            await asyncio.sleep(0.05)

    async def wait_ended(self, timeout: float = 30.0) -> dict[str, Any]:
        ended = await self.wait_for(
            lambda events: [e for e in events if e["type"] == "ended"], timeout, "ended"
        )
        return ended[0]

    async def wait_turns(self, role: str, count: int, timeout: float = 30.0) -> list[dict]:
        def enough(events: list[dict]) -> list[dict] | None:
            turns = [e for e in events if e["type"] == "turn" and e["role"] == role]
            return turns if len(turns) >= count else None

        return await self.wait_for(enough, timeout, f"{count} {role} turn(s)")

    def status(self) -> str:
        return self.app.services.interviews.session(LOCAL_USER_ID, self.session_id).status


@dataclass
class VoiceApp:
    services: AppServices
    livekit: LocalLiveKitServer  # the test's own, or the app's (`livekit=None`)
    openai: FakeOpenAI
    deepgram: FakeDeepgram
    candidates: dict[str, RoomCandidate] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        data_dir: Path,
        *,
        livekit: LocalLiveKitServer | None,
        openai: FakeOpenAI,
        deepgram: FakeDeepgram,
        stt: str = "deepgram",
        user_keys: ProviderKeys | None = None,
        environ: dict[str, str] | None = None,
        **settings: Any,
    ) -> VoiceApp:
        """With `livekit=None` no LiveKit keys are configured: the app starts its own local
        server (found through `environ`)."""
        keys = EnvKeys(
            openai_api_key=openai.api_key or "sk-voice-app-fake",
            openai_base_url=openai.base_url,
            deepgram_api_key=deepgram.api_key,
            deepgram_base_url=deepgram.url,
            livekit_url=livekit.url if livekit else None,
            livekit_api_key=livekit.api_key if livekit else None,
            livekit_api_secret=livekit.api_secret if livekit else None,
        )
        config = Settings(data_dir=data_dir, env_keys=keys, **settings)
        services = build_services(config, environ if environ is not None else dict(os.environ))
        if livekit is None:
            assert services.voice_server is not None, "the app started no local LiveKit server"
            livekit = services.voice_server.server
        app = cls(services, livekit, openai, deepgram)
        if user_keys is not None:  # the user's own choices (e.g. local speech)
            app.services.vault.save_keys(LOCAL_USER_ID, user_keys)
        elif stt != "deepgram":
            app.services.vault.save_keys(LOCAL_USER_ID, ProviderKeys(stt_provider=stt))
        deepgram.transcriber_for = app._transcriber_for
        openai.transcriber = app._transcribe_any
        return app

    async def start(self, *, record: bool = False, **changes: Any) -> LiveInterview:
        """Start a voice interview as the app's Start button does (the candidate has not
        joined yet: `async with live.candidate` joins; `record` keeps what it hears)."""
        setup = InterviewSetup(**{**SETUP, **changes})
        started = await asyncio.to_thread(self.services.interviews.start, LOCAL_USER_ID, setup)
        assert started.room is not None, "a voice interview gives the browser its room"
        candidate = RoomCandidate(started.room["url"], started.room["token"], record=record)
        self.candidates[setup.role] = candidate
        return LiveInterview(self, started, candidate)

    def _transcriber_for(self, query: dict[str, list[str]]):
        """Route a Deepgram connection to its candidate by the interview's role, the first
        key term the agent sends (each concurrent interview of a benchmark has its own)."""
        terms = query.get("keyterm", [])
        for role, candidate in self.candidates.items():
            if role in terms:
                return candidate.transcribe
        return self._transcribe_any

    def _transcribe_any(self, start: float, end: float, final: bool) -> str:
        for candidate in list(self.candidates.values()):
            if said := candidate.transcribe(start, end, final):
                return said
        return ""

    def session_dir(self, session_id: str) -> Path:
        return self.services.settings.sessions_dir / session_id

    def events_path(self, session_id: str) -> Path:
        return self.session_dir(session_id) / EVENTS_FILE

    def close(self) -> None:
        self.services.close()
