"""Interview turn-taking by voice, room-less: espeak-ng speech through Silero VAD and the
real Deepgram plugin (local fake), the real OpenAI LLM/TTS plugins (local fake), played
out in real time by a recording speaker.

Each behaviour has a control case showing the test can fail: the same pause under the
`normal` profile does get a reply; a long interruption does stop the interviewer.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.openai_server import FakeOpenAI, text
from tests.fakes.speech import tools_available
from tests.fakes.voice_rig import voice_rig

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not tools_available(), reason="needs espeak-ng and sox (apt)"),
]
GREETING = "Hi Ana, thanks for joining. Tell me about a project you are proud of."
FIRST = "I led the migration of our billing system to Postgres."
SECOND = "It took six months, and we cut the monthly costs by a third."
LONG_QUESTION = " ".join(["Let me describe the role in some detail before my question."] * 12)


@pytest.fixture
async def fakes():
    async with FakeOpenAI() as openai, FakeDeepgram() as deepgram:
        yield openai, deepgram


def _speech_between(rig, start: float, end: float) -> list:
    """Interviewer playbacks that started in [start, end)."""
    return [p for p in rig.played() if start <= p.started_at < end]


@pytest.mark.parametrize(("patience", "replies_in_pause"), [("patient", 0), ("normal", 1)])
async def test_mid_answer_pause(tmp_path, fakes, patience, replies_in_pause):
    openai, deepgram = fakes
    openai.enqueue(text(GREETING), text("What made it hard?"), text("And the result?"))
    async with voice_rig(tmp_path, openai=openai, deepgram=deepgram, patience=patience) as rig:
        await rig.speaker.wait_for(1)
        first = await rig.say(FIRST)
        await asyncio.sleep(2.5)
        second = await rig.say(SECOND)
        pause = _speech_between(rig, first.ended_at, second.started_at)
        assert len(pause) == replies_in_pause
        await rig.wait_until(lambda: len(rig.turns("interviewer")) >= 2 + replies_in_pause)
        answers = [t["text"] for t in rig.turns("candidate")]
    if patience == "patient":
        assert answers == [f"{FIRST} {SECOND}"]  # one answer, one turn
        turn = rig.turns("candidate")[0]
        assert turn["started_at"] == pytest.approx(first.started_at, abs=0.4)
        assert turn["ended_at"] == pytest.approx(second.ended_at, abs=0.4)
    else:
        assert answers == [FIRST, SECOND]


async def test_let_me_think_then_silence_gets_no_reply(tmp_path, fakes):
    openai, deepgram = fakes
    openai.enqueue(text(GREETING), text("Thanks. What was the hardest part?"))
    async with voice_rig(tmp_path, openai=openai, deepgram=deepgram) as rig:
        await rig.speaker.wait_for(1)
        thinking = await rig.say("Hmm, good question. Let me think about that for a second.")
        await asyncio.sleep(4.0)
        assert _speech_between(rig, thinking.ended_at, thinking.ended_at + 60) == []
        assert rig.turns("candidate") == []
        answer = await rig.say(FIRST)
        await rig.wait_until(lambda: len(rig.turns("interviewer")) >= 2)
        turns = rig.turns("candidate")
    assert len(turns) == 1
    assert turns[0]["text"].startswith("Hmm, good question. Let me think")
    assert turns[0]["text"].endswith(FIRST)
    assert turns[0]["started_at"] == pytest.approx(thinking.started_at, abs=0.4)
    assert turns[0]["ended_at"] == pytest.approx(answer.ended_at, abs=0.4)
    # the model saw one user message holding both parts
    users = [m for m in openai.requests[-1]["messages"] if m["role"] == "user"]
    assert users[-1]["content"].endswith(FIRST) and "Let me think" in users[-1]["content"]


@pytest.mark.parametrize(
    ("overlap", "interrupted"),
    [("Yeah.", False), ("Sorry, can I stop you there for a moment, I have a question.", True)],
)
async def test_backchannel_does_not_interrupt_the_interviewer(
    tmp_path, fakes, overlap, interrupted
):
    openai, deepgram = fakes
    openai.enqueue(text(LONG_QUESTION), text("Sure, go ahead."))
    async with voice_rig(tmp_path, openai=openai, deepgram=deepgram) as rig:
        await rig.speaker.wait_for(1, finished=False)
        long_one = rig.speaker.playbacks[0]
        await asyncio.sleep(4.0)  # past the echo-cancellation warm-up (first 3 s)
        said = await rig.say(overlap)
        await rig.speaker.wait_for(1)
        played = long_one.position
    assert long_one.interrupted is interrupted
    sentences = [r["input"] for r in openai.speech_requests if r["input"] in LONG_QUESTION]
    full = sum(max(0.2, 0.06 * len(s.split())) for s in sentences)  # the fake's tone length
    if interrupted:  # stopped soon after the candidate started talking
        assert played < said.started_at - long_one.started_at + 2.0 < full
    else:
        assert played >= full - 0.05  # all of it (the framework may add a little silence)


async def test_silence_check_in_happens_once_then_backs_off(tmp_path, fakes):
    openai, deepgram = fakes
    openai.enqueue(
        text(GREETING),
        text("Take your time. Would you like me to repeat the question?"),
        text("Thanks. What was the hardest part?"),
        text("No rush, take your time."),
    )
    async with voice_rig(tmp_path, openai=openai, deepgram=deepgram, check_in_after=2.5) as rig:
        await rig.speaker.wait_for(1)
        await rig.wait_until(lambda: len(rig.turns("interviewer")) >= 2)  # the check-in
        await asyncio.sleep(6.5)  # then nothing, however long the silence lasts
        assert len(rig.turns("interviewer")) == 2
        check_in = openai.requests[1]
        assert check_in.get("tool_choice") == "none"
        # the one-off instruction, before the stage's part that the prompt layout puts last
        assert any("check in" in m["content"] for m in check_in["messages"][-2:])
        await rig.say(FIRST)  # the candidate speaking re-arms it
        await rig.wait_until(lambda: len(rig.turns("interviewer")) >= 3)
        await asyncio.sleep(4.0)
        assert len(rig.turns("interviewer")) == 4


async def test_stage_timer_never_talks_over_an_answer(tmp_path, fakes):
    openai, deepgram = fakes
    openai.enqueue(text(GREETING), text("Could you walk me through your background?"))
    stages = {"greeting": 1.0, "self_intro": 600.0, "past_experience": 600.0}
    stages |= {"company_fit": 600.0, "closing": 600.0}
    async with voice_rig(tmp_path, openai=openai, deepgram=deepgram, stage_overrides=stages) as rig:
        await rig.speaker.wait_for(1)
        await asyncio.sleep(1.5)  # the greeting's time is up before the answer starts
        first = await rig.say(FIRST)
        await asyncio.sleep(2.0)
        second = await rig.say(SECOND)
        await rig.wait_until(lambda: len(rig.turns("interviewer")) >= 2)
        assert _speech_between(rig, first.started_at, second.ended_at) == []
        events = rig.events()
    stage = next(e for e in events if e["type"] == "stage" and e["reason"] == "timer")
    answer = next(e for e in events if e["type"] == "turn" and e["role"] == "candidate")
    assert stage["stage"] == "self_intro" and stage["t"] >= answer["t"]
    reply = rig.turns("interviewer")[1]
    assert reply["stage"] == "self_intro" and reply["started_at"] > second.ended_at
