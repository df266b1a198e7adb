"""A skip by voice, room-less (the real VoiceInterview, the OpenAI plugins on the local
fake, a recording speaker): the question being spoken stops, and the next topic's question
is a turn of its own, never run on after the skipped one."""

from __future__ import annotations

import asyncio

import pytest

from mockflow.contracts.commands import Command
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.openai_server import FakeOpenAI, text
from tests.fakes.voice_rig import voice_rig

pytestmark = pytest.mark.integration

LONG_QUESTION = " ".join(["Let me describe the role in some detail first."] * 12) + " Ready?"
NEXT = "Could you walk me through your background?"


@pytest.fixture
async def fakes():
    async with FakeOpenAI() as openai, FakeDeepgram() as deepgram:
        yield openai, deepgram


async def test_a_skip_stops_the_question_being_spoken_and_the_next_is_its_own_turn(tmp_path, fakes):
    openai, deepgram = fakes
    openai.enqueue(text(LONG_QUESTION), text(NEXT))
    async with voice_rig(tmp_path, openai=openai, deepgram=deepgram) as rig:
        await rig.speaker.wait_for(1, finished=False)  # the long question is being spoken
        commands: asyncio.Queue[Command | None] = asyncio.Queue()
        rig.voice.follow(commands)
        commands.put_nowait(Command(type="skip_stage"))
        await rig.wait_until(lambda: len(rig.turns("interviewer")) >= 2, timeout=60)
        skipped, following = rig.turns("interviewer")[:2]
        first_playback = rig.speaker.playbacks[0]
    assert first_playback.interrupted  # it stopped at the skip, not after all of it
    assert skipped["stage"] == "greeting" and skipped["interrupted"] is True
    assert following["text"] == NEXT and following["stage"] == "self_intro"
    assert not following["interrupted"]
