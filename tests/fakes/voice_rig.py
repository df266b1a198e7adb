"""A room-less voice interview for tests and benchmarks: the real `VoiceInterview` with the
real plugins pointed at local fakes, a `ScriptedMicrophone` in and a `RecordingSpeaker` out.

    async with voice_rig(tmp_path, openai=fake, deepgram=dg) as rig:
        await rig.speaker.wait_for(1)           # the greeting has played
        await rig.mic.play(speak("Yes, I'm ready."))
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from mockflow.agent.controller import InterviewController
from mockflow.agent.voice import VoiceInterview
from mockflow.contracts.events import EventWriter, read_events
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.interview.fsm import build_fsm
from tests.fakes.audio_io import RecordingSpeaker, ScriptedMicrophone, Utterance
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.speech import speak

LONG_STAGES = {s: 600.0 for s in ("greeting", "self_intro", "past_experience", "company_fit")}
LONG_STAGES["closing"] = 600.0


def voice_spec(
    session_dir: Path,
    openai: FakeOpenAI,
    deepgram: FakeDeepgram | None,
    *,
    patience: str = "patient",
    check_in_after: float | None = None,
    stage_overrides: dict[str, float] | None = None,
    track: str = "behavioral",
) -> dict:
    stt = (
        {"provider": "deepgram", "api_key": deepgram.api_key, "base_url": deepgram.url}
        if deepgram is not None
        else {"provider": "openai", "base_url": openai.base_url, "model": "whisper-1"}
    )
    return {
        "session_id": "iv_voice",
        "session_dir": str(session_dir),
        "transport": "room",
        "candidate": {"name": "Ana Lima", "role": "Backend Engineer", "level": "mid"},
        "track": track,
        "stage_overrides": stage_overrides or LONG_STAGES,
        "job_description": "Own our billing services in Go and PostgreSQL on Kubernetes.",
        "providers": {
            # the fake stands in for OpenAI, which calls tools (a base_url alone is not
            # offered the complete_stage tool)
            "llm": {
                "base_url": openai.base_url,
                "api_key": "sk-test-fake-key-000111",
                "tool_calls": True,
            },
            "stt": stt,
            "tts": {"base_url": openai.base_url, "voice": "alloy", "speed": 1.1},
        },
        "livekit": {"url": "ws://127.0.0.1:9", "room": "mf-test", "token": "unused"},
        "turn_taking": {"patience": patience, "check_in_after": check_in_after},
    }


@dataclass
class Rig:
    controller: InterviewController
    voice: VoiceInterview
    mic: ScriptedMicrophone
    speaker: RecordingSpeaker
    events_path: Path
    run: asyncio.Task[str]

    def events(self, type: str | None = None) -> list[dict]:
        events = read_events(self.events_path)
        return [e for e in events if type is None or e["type"] == type]

    def turns(self, role: str | None = None) -> list[dict]:
        return [t for t in self.events("turn") if role is None or t["role"] == role]

    def played(self) -> list:
        """Playbacks that actually produced sound."""
        return [p for p in self.speaker.playbacks if p.position > 0]

    async def say(self, text: str) -> Utterance:
        """The candidate says `text` (espeak-ng); returns once the last frame was sent."""
        return await self.mic.play(speak(text, self.mic.rate), text)

    async def wait_until(self, predicate, timeout: float = 30.0, step: float = 0.05) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(step)


@contextlib.asynccontextmanager
async def voice_rig(
    session_dir: Path,
    *,
    openai: FakeOpenAI,
    deepgram: FakeDeepgram | None = None,
    mic_rate: int = 24000,
    **spec_changes: object,
) -> AsyncIterator[Rig]:
    spec = parse_launch_spec(json.dumps(voice_spec(session_dir, openai, deepgram, **spec_changes)))
    events = EventWriter(session_dir / "events.jsonl")
    controller = InterviewController(spec, build_fsm(spec.track, spec.stage_overrides), events)
    mic, speaker = ScriptedMicrophone(mic_rate), RecordingSpeaker()
    if deepgram is not None and deepgram.transcriber is None:
        deepgram.transcriber = mic.transcribe
    async with aiohttp.ClientSession() as http:
        voice = VoiceInterview(controller, http_session=http)
        session, agent = voice.build()
        session.input.audio = mic
        session.output.audio = speaker
        try:
            await session.start(agent)
            controller.announce_ready()
            run = asyncio.create_task(voice.conduct())
            yield Rig(controller, voice, mic, speaker, session_dir / "events.jsonl", run)
            controller.end("user_ended")
            reason = await asyncio.wait_for(run, 15)
            controller.close(reason)  # as run_interview does: `usage`, then `ended`
        finally:
            mic.close()
            await voice.aclose()
            await speaker.aclose()
            events.close()
