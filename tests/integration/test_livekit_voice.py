"""Voice interviews end to end through a real LiveKit server.

The app's services start the real agent process (`room` transport) exactly as the Start
button does; a scripted candidate (`RoomCandidate`, a `livekit.rtc` participant) joins
with the token the app minted, speaks espeak-ng answers in real time and listens to the
interviewer's audio. Providers are local fakes behind the real plugins: Deepgram
(`FakeDeepgram`) or OpenAI STT, the scripted interviewer LLM and OpenAI TTS (`FakeOpenAI`).
"""

from __future__ import annotations

import asyncio
import os
import time
from functools import partial

import pytest

from mockflow.agent.transports.room import REJOIN_GRACE_SECONDS
from mockflow.contracts.ids import LOCAL_USER_ID
from mockflow.launch.livekit.server import ServerPorts
from tests.conftest import livekit_binary
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import GOODBYE, ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.voice_app import VoiceApp

pytestmark = [
    pytest.mark.integration,
    pytest.mark.livekit,
    pytest.mark.timeout(180),
]
FAKE_KEY = "sk-livekit-voice-test-0001"
WORDS_SECONDS = 0.06  # the fake TTS speaks 60 ms of tone per word


@pytest.fixture(scope="module")
def openai():
    with FakeOpenAI(api_key=FAKE_KEY) as server:
        yield server


@pytest.fixture(scope="module")
def deepgram():
    with FakeDeepgram() as server:
        yield server


@pytest.fixture
def interviewer(openai):
    script = ScriptedInterviewer(answers_per_stage=1)
    openai.responder = script
    return script


@pytest.fixture
def voice_app(tmp_path, livekit_server, openai, deepgram, interviewer):
    app = VoiceApp.build(
        tmp_path / "data", livekit=livekit_server, openai=openai, deepgram=deepgram
    )
    yield app
    app.close()


async def _answer(live, text: str) -> None:
    """Wait until the interviewer has finished speaking, then say `text`."""
    await live.candidate.wait_quiet()
    await live.candidate.say(text)


async def test_greeting_arrives_as_audio_soon_after_joining(voice_app):
    live = await voice_app.start(patience="normal")
    async with live.candidate as candidate:
        joined = time.time()
        greeting = await candidate.wait_for_burst(1, timeout=60)  # a busy machine is slow
        [turn] = await live.wait_turns("interviewer", 1)
        await candidate.wait_quiet()
    # heard after joining (how soon is bench/voice_room_latency.py's to measure)
    assert greeting.started_at > joined
    assert greeting.peak > 200  # real sound, not comfort noise
    expected = WORDS_SECONDS * len(turn["text"].split())
    assert greeting.seconds == pytest.approx(expected, abs=0.25)


async def test_each_spoken_answer_is_one_turn_with_real_times_and_a_spoken_reply(voice_app):
    live = await voice_app.start(patience="normal")
    async with live.candidate as candidate:
        await candidate.wait_for_burst(1, timeout=15)
        answers = ["Yes, I'm ready.", "I build payment systems in Go. That's about it."]
        for n, text in enumerate(answers, start=1):
            await _answer(live, text)
            await live.wait_turns("candidate", n)
            reply = await candidate.wait_for_burst(n + 1)
            assert reply.started_at > candidate.history[-1].ended_at
        turns = live.turns("candidate")
    assert [t["text"] for t in turns] == answers
    for turn, spoken in zip(turns, candidate.history, strict=True):
        assert turn["started_at"] == pytest.approx(spoken.started_at, abs=0.5)
        assert turn["ended_at"] == pytest.approx(spoken.ended_at, abs=0.5)
        assert turn["ended_at"] > turn["started_at"]


def _committed_or_ended(events: list[dict], count: int) -> bool:
    """The answer is committed, or the goodbye ended the interview meanwhile."""
    candidate_turns = sum(e["type"] == "turn" and e["role"] == "candidate" for e in events)
    return candidate_turns >= count or any(e["type"] == "ended" for e in events)


async def _interview_until_ended(live, answers: list[str], limit: float = 120.0) -> None:
    """Answer every question once it has been asked and spoken, until `ended`."""
    answered = 0
    deadline = asyncio.get_running_loop().time() + limit
    while not live.events("ended"):
        assert asyncio.get_running_loop().time() < deadline, "the interview did not finish"
        if len(live.turns("interviewer")) > answered and not live.candidate.hearing:
            await _answer(live, answers[answered % len(answers)])
            answered += 1
            await live.wait_for(partial(_committed_or_ended, count=answered))
        await asyncio.sleep(0.05)


async def test_whole_interview_reaches_closing_and_the_goodbye_plays_to_its_end(
    tmp_path, livekit_server, openai, deepgram, interviewer
):
    app = VoiceApp.build(
        tmp_path / "data",
        livekit=livekit_server,
        openai=openai,
        deepgram=deepgram,
        stage_scale=0.05,
    )
    try:
        live = await app.start(patience="normal", track="intro_call")
        async with live.candidate as candidate:
            await candidate.wait_for_burst(1, timeout=15)
            await _interview_until_ended(live, ANSWERS)
            await asyncio.wait_for(candidate.agent_left.wait(), 15)
            status = await _eventually_status(live, "completed")
        events = live.events()
    finally:
        app.close()
    assert events[-1] == {**events[-1], "type": "ended", "reason": "completed"}
    assert status == "completed"
    stages = [e["stage"] for e in events if e["type"] == "stage"]
    assert stages == ["greeting", "self_intro", "past_experience", "company_fit", "closing"]
    turns = [e for e in events if e["type"] == "turn"]
    roles = [t["role"] for t in turns]
    assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), roles
    assert turns[-1]["text"] == GOODBYE
    goodbye = candidate.heard.bursts[-1]
    assert goodbye.seconds == pytest.approx(WORDS_SECONDS * len(GOODBYE.split()), abs=0.25)
    assert goodbye.ended_at <= candidate.agent_left_at, "the agent left before its goodbye"


ANSWERS = [
    "Yes, I'm ready.",
    "I build payment systems in Go and Python. That's about it.",
    "Um, I led our ledger migration to Postgres and cut reconciliation time in half.",
    "I like direct feedback. That's my answer.",
    "No questions from me. Thank you.",
    "Thanks, bye.",
]


async def _eventually_status(live, wanted: str, timeout: float = 10.0) -> str:
    deadline = asyncio.get_running_loop().time() + timeout
    while (status := live.status()) != wanted and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return status


async def test_an_answer_typed_in_the_room_chat_lands_in_the_transcript(voice_app):
    live = await voice_app.start(patience="normal")
    async with live.candidate as candidate:
        await candidate.wait_for_burst(1, timeout=15)
        await candidate.wait_quiet()
        await candidate.send_text("I would rather type this one: yes, ready.")
        [turn] = await live.wait_turns("candidate", 1)
        await candidate.wait_for_burst(2)  # the interviewer answers it aloud
    assert turn["text"] == "I would rather type this one: yes, ready."


async def test_skip_and_end_from_the_app_reach_the_agent(voice_app):
    live = await voice_app.start(patience="normal")
    interviews = voice_app.services.interviews
    async with live.candidate as candidate:
        await candidate.wait_for_burst(1, timeout=15)
        await candidate.wait_quiet()
        await asyncio.to_thread(interviews.skip_stage, LOCAL_USER_ID, live.session_id)
        skipped = await live.wait_for(
            lambda ev: [e for e in ev if e["type"] == "stage" and e["reason"] == "skip"]
        )
        await candidate.wait_for_burst(2)  # the next stage's first question, aloud
        await candidate.wait_quiet()
        await asyncio.to_thread(interviews.end, LOCAL_USER_ID, live.session_id)
        ended = await live.wait_ended()
        await asyncio.wait_for(candidate.agent_left.wait(), 10)
    assert skipped[0]["stage"] == "self_intro"
    assert ended["reason"] == "user_ended"
    assert await _eventually_status(live, "user_ended") == "user_ended"
    assert voice_app.services.supervisor.active_sessions() == []  # the process is gone


async def test_leaving_the_room_ends_the_interview_after_the_grace_transcript_kept(voice_app):
    live = await voice_app.start(patience="normal")
    async with live.candidate as candidate:
        await candidate.wait_for_burst(1, timeout=15)
        await _answer(live, "Yes, I'm ready.")
        await live.wait_turns("candidate", 1)
        await candidate.wait_for_burst(2)
        await candidate.leave()
        left = time.time()
        ended = await live.wait_ended(timeout=REJOIN_GRACE_SECONDS + 45)
    assert ended["reason"] == "user_ended"
    assert ended["t"] - left >= REJOIN_GRACE_SECONDS - 1  # the candidate had the grace
    assert [t["text"] for t in live.turns("candidate")] == ["Yes, I'm ready."]
    assert len(live.turns("interviewer")) >= 2


async def test_dropping_and_rejoining_within_the_grace_goes_on_with_the_question_repeated(
    voice_app, openai
):
    live = await voice_app.start(patience="normal")
    interviews = voice_app.services.interviews
    async with live.candidate as candidate:
        await candidate.wait_for_burst(1, timeout=15)
        await _answer(live, "Yes, I'm ready.")
        await live.wait_turns("candidate", 1)
        await candidate.wait_for_burst(2)
        await candidate.wait_quiet()
        question = live.turns("interviewer")[-1]["text"]
        await candidate.leave()
        room = await asyncio.to_thread(interviews.rejoin_room, LOCAL_USER_ID, live.session_id)
        await candidate.connect(room["token"])
        back = await live.wait_turns("interviewer", 3)
        await candidate.wait_for_burst(3)
        await _answer(live, "I build payment systems in Go. That's about it.")
        await live.wait_turns("candidate", 2)
        await candidate.wait_for_burst(4)
    assert back[-1]["text"] == f"Welcome back. {question}"
    assert not live.events("ended")


async def test_a_muted_candidate_produces_no_turns(voice_app):
    live = await voice_app.start(patience="normal")
    async with live.candidate as candidate:
        await candidate.wait_for_burst(1, timeout=15)
        await candidate.wait_quiet()
        candidate.mute()
        muted_from = time.time()
        await candidate.say("This is said with the microphone muted.")
        await candidate.pause(1.5)
        candidate.unmute()
        await candidate.say("Yes, I'm ready.")
        turns = await live.wait_turns("candidate", 1)
        await candidate.wait_for_burst(2)
    assert [t["text"] for t in turns] == ["Yes, I'm ready."]
    replies = [b for b in candidate.bursts_after(muted_from) if b.started_at < turns[0]["ended_at"]]
    assert replies == [], "the interviewer answered muted speech"


async def test_a_mid_answer_pause_under_patient_gets_no_reply(voice_app):
    live = await voice_app.start(patience="patient")
    async with live.candidate as candidate:
        await candidate.wait_for_burst(1, timeout=15)
        await candidate.wait_quiet()
        first = await candidate.say("So the first thing I did was")
        await candidate.pause(2.5)
        await candidate.say("move the ledger to Postgres. That's it.")
        [turn] = await live.wait_turns("candidate", 1)
        await candidate.wait_for_burst(2)
    assert turn["text"] == "So the first thing I did was move the ledger to Postgres. That's it."
    during = [
        b for b in candidate.bursts_after(first.started_at) if b.started_at < turn["ended_at"]
    ]
    assert during == [], "the interviewer spoke into the pause"


async def test_openai_speech_to_text_through_the_room(
    tmp_path, livekit_server, openai, deepgram, interviewer
):
    app = VoiceApp.build(
        tmp_path / "data", livekit=livekit_server, openai=openai, deepgram=deepgram, stt="openai"
    )
    try:
        live = await app.start(patience="normal")
        async with live.candidate as candidate:
            await candidate.wait_for_burst(1, timeout=15)
            await _answer(live, "Yes, I'm ready.")
            [turn] = await live.wait_turns("candidate", 1)
            await candidate.wait_for_burst(2)
    finally:
        app.close()
    assert turn["text"] == "Yes, I'm ready."
    assert openai.transcriptions >= 1


async def test_without_a_livekit_account_the_app_runs_its_own_server(
    tmp_path, openai, deepgram, interviewer
):
    ports = ServerPorts.free()
    environ = {
        **os.environ,
        "MOCKFLOW_LIVEKIT_SERVER": str(livekit_binary()),
        "MOCKFLOW_LIVEKIT_PORT": str(ports.http),
    }
    app = VoiceApp.build(
        tmp_path / "data", livekit=None, openai=openai, deepgram=deepgram, environ=environ
    )
    try:
        status = app.services.voice_status()
        assert status is not None and status.state == "running"
        assert status.url == f"ws://127.0.0.1:{ports.http}"
        pid = app.livekit.pid
        assert pid is not None
        assert app.services.vault.resolve_keys(LOCAL_USER_ID).keys.livekit_url is None
        live = await app.start(patience="normal")
        assert live.started.room is not None and live.started.room["url"] == status.url
        async with live.candidate as candidate:
            greeting = await candidate.wait_for_burst(1, timeout=15)
            await live.wait_turns("interviewer", 1)
        assert greeting.peak > 200
    finally:
        app.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # stopped with the app: no orphan
