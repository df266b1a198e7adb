"""A whole interview by voice, room-less: espeak-ng speech in real time, Silero VAD, the real
Deepgram plugin (local fake) or the real OpenAI STT plugin, the scripted interviewer behind
the real OpenAI LLM plugin, the real OpenAI TTS plugin, a recording speaker out.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import GOODBYE, ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI, text
from tests.fakes.speech import tools_available
from tests.fakes.voice_rig import voice_rig

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not tools_available(), reason="needs espeak-ng and sox (apt)"),
]
ANSWERS = [
    "Yes, I'm ready.",
    "I build payment systems in Go and Python. That's about it.",
    "Um, I led our ledger migration to Postgres and cut reconciliation time in half.",
    "I like direct feedback. That's my answer.",
    "No questions from me. Thank you.",
    "Thanks, bye.",
    "Goodbye.",
]
QUICK_STAGES = {s: 3.0 for s in ("greeting", "self_intro", "past_experience", "company_fit")}
QUICK_STAGES["closing"] = 3.0


async def _answer_until_done(rig, answers: list[str], limit: float = 120.0) -> None:
    """Answer each question once it has been asked, until the interview finishes."""
    answered = 0
    deadline = asyncio.get_running_loop().time() + limit
    while not rig.controller.finished.is_set():
        assert asyncio.get_running_loop().time() < deadline, "interview did not finish"
        asked = len(rig.turns("interviewer"))
        if asked > answered and not rig.speaker.playing:
            await asyncio.sleep(0.4)
            await rig.say(answers[answered % len(answers)])
            answered += 1
        await asyncio.sleep(0.1)


async def test_whole_interview_by_voice(tmp_path):
    async with FakeOpenAI() as openai, FakeDeepgram() as deepgram:
        openai.responder = ScriptedInterviewer(answers_per_stage=1)
        async with voice_rig(
            tmp_path,
            openai=openai,
            deepgram=deepgram,
            patience="normal",
            track="intro_call",
            stage_overrides=QUICK_STAGES,
        ) as rig:
            await _answer_until_done(rig, ANSWERS)
            reason = await asyncio.wait_for(rig.run, 5)
            goodbye = rig.played()[-1]
        events = rig.events()
    assert reason == "completed"
    stages = [e["stage"] for e in events if e["type"] == "stage"]
    assert stages == ["greeting", "self_intro", "past_experience", "company_fit", "closing"]
    turns = [e for e in events if e["type"] == "turn"]
    roles = [t["role"] for t in turns]
    assert roles[0] == "interviewer" and roles[-1] == "interviewer"
    assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), roles
    assert turns[-1]["text"] == GOODBYE
    # the goodbye played to its end before the interview was over
    assert not goodbye.interrupted and goodbye.ended_at <= events[-1]["t"]
    # candidate turns are the answers, merged, with real speech times
    said = {u.text: u for u in rig.mic.history}
    for turn in (t for t in turns if t["role"] == "candidate"):
        spoken = said[turn["text"]]
        assert turn["started_at"] == pytest.approx(spoken.started_at, abs=0.4)
        assert turn["ended_at"] == pytest.approx(spoken.ended_at, abs=0.4)
    # the Deepgram query: model, filler words, smart format, key terms of the interview
    query = deepgram.queries[0]
    assert query["model"] == ["nova-3"] and query["filler_words"] == ["true"]
    assert query["smart_format"] == ["true"]
    assert "Backend Engineer" in query["keyterm"] and "PostgreSQL" in query["keyterm"]
    # the UI's live states and the per-turn latency figures
    agent_states = {e.get("agent_state") for e in events if e["type"] == "state"}
    user_states = {e.get("user_state") for e in events if e["type"] == "state"}
    assert {"listening", "thinking", "speaking"} <= agent_states
    assert {"speaking", "listening"} <= user_states
    replies = [e for e in events if e["type"] == "metrics" and "e2e_latency" in e]
    assert len(replies) >= 4
    for figures in replies:
        assert {"end_of_turn_delay", "llm_ttft", "tts_ttfb"} <= set(figures)
        assert 0 < figures["e2e_latency"] < 5
    # what the providers were used for: what the interviewer said was synthesised (the
    # framework counts after its own text clean-up: a few characters fewer), and the
    # candidate's audio was transcribed for no longer than the interview lasted
    usage = next(e for e in events if e["type"] == "usage")
    spoken = sum(len(t["text"]) for t in turns if t["role"] == "interviewer")
    assert 0.9 * spoken <= usage["tts_characters"] <= spoken
    assert 0 < usage["stt_audio_seconds"] <= events[-1]["t"] - events[0]["t"] + 1
    assert usage["llm_input_tokens"] > 0 and usage["llm_output_tokens"] > 0


async def test_typed_text_lands_in_the_same_transcript(tmp_path):
    async with FakeOpenAI() as openai, FakeDeepgram() as deepgram:
        openai.enqueue(text("Hi Ana, ready to begin?"), text("Great. What do you do now?"))
        # the spoken answer may get a draft reply and a final one: answer both the same way
        openai.responder = lambda body: text(
            "Interesting. Why Go?" if "in Go" in _last_user_text(body) else "Go on."
        )
        async with voice_rig(tmp_path, openai=openai, deepgram=deepgram, patience="normal") as rig:
            await rig.speaker.wait_for(1)
            await rig.voice.typed_answer("Yes, ready (typed).")
            await rig.wait_until(lambda: len(rig.turns("interviewer")) >= 2)
            await rig.say("I write billing services in Go. That's it.")
            await rig.wait_until(lambda: len(rig.turns("interviewer")) >= 3)
            turns = rig.turns()
    assert [(t["role"], t["text"]) for t in turns] == [
        ("interviewer", "Hi Ana, ready to begin?"),
        ("candidate", "Yes, ready (typed)."),
        ("interviewer", "Great. What do you do now?"),
        ("candidate", "I write billing services in Go. That's it."),
        ("interviewer", "Interesting. Why Go?"),
    ]
    history = [m["role"] for m in openai.requests[-1]["messages"] if m["role"] != "system"]
    assert history == ["assistant", "user", "assistant", "user"]


async def test_openai_compatible_stt_and_tts(tmp_path):
    async with FakeOpenAI(transcript="I am ready to start.") as openai:
        openai.enqueue(text("Hi Ana, ready?"), text("Great, let's begin."))
        async with voice_rig(tmp_path, openai=openai, patience="normal") as rig:
            await rig.speaker.wait_for(1)
            await rig.say("I am ready to start.")
            await rig.wait_until(lambda: len(rig.turns("interviewer")) >= 2)
            turns = rig.turns("candidate")
    assert [t["text"] for t in turns] == ["I am ready to start."]
    assert openai.transcriptions >= 1
    assert openai.speech_requests[0]["voice"] == "alloy"
    assert openai.speech_requests[0]["speed"] == pytest.approx(1.1)


async def test_rejected_speech_key_ends_with_a_plain_error(tmp_path):
    async with FakeOpenAI() as openai, FakeDeepgram(api_key="dg-right-key") as deepgram:
        openai.enqueue(text("Hi Ana, ready?"))
        deepgram.api_key = "dg-other-key"  # the spec carries a key the server rejects
        async with voice_rig(tmp_path, openai=openai, deepgram=deepgram) as rig:
            deepgram.api_key = "dg-right-key"
            await asyncio.wait_for(rig.controller.finished.wait(), 30)
            errors = rig.events("error")
    assert rig.controller.end_reason == "error"
    assert errors and errors[0]["fatal"] is True
    assert "speech-to-text" in errors[0]["message"].lower()
    assert "401" in errors[0]["message"]
    assert "dg-other-key" not in errors[0]["message"]


def _last_user_text(body: dict) -> str:
    content = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content)
    return content
