"""Voice interviews on the app's own speech models, through the real LiveKit server.

The candidate's answers are spoken by the real Piper voice (generated at test time through
the app's local speech server) into the room; the app's local Whisper must commit each as
one candidate turn with the words that were spoken, and the interviewer's audio the
candidate hears, transcribed back by Whisper, must say what the interviewer's committed
turn says. The first test keeps a scripted language model (fast, exact words to check);
the second runs all three local models — the 0.5B language model too — end to end.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest

from mockflow.config import LocalModelSettings
from mockflow.localmodels.audio import read_wav, resample
from mockflow.store.vault import ProviderKeys
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.openai_server import FakeOpenAI, Reply
from tests.fakes.room_candidate import RATE, RoomCandidate
from tests.fakes.voice_app import VoiceApp
from tests.wer import word_error_rate

pytestmark = [pytest.mark.integration, pytest.mark.livekit, pytest.mark.timeout(1200)]

SLOW = 240.0  # seconds: models loading and replying on a busy 2-core machine
ANSWERS = [
    "Yes, thank you, I feel ready to start the interview.",  # no contraction to hear
    "I am a backend engineer. For the last three years I have built payment services "
    "that handle card refunds for small shops.",
    "Last spring our database ran out of disk space during a sale. I moved the old orders "
    "to cheaper storage and added an alert, and we never lost an order again.",
]
QUESTIONS = [
    "Could you tell me a little about yourself and the work you do today?",
    "What was the hardest problem you solved in that job, and how did you solve it?",
    "How did you know that your fix really worked?",
    "What would you like to learn in your next role?",
]


def spoken(app: VoiceApp, text: str) -> np.ndarray:
    """`text` in the real Piper voice, through the app's own local speech server, at the
    room's 48 kHz."""
    import openai

    speech = app.services.local_models.ensure_speech()
    client = openai.OpenAI(base_url=speech.base_url, api_key="local", timeout=SLOW)
    audio = client.audio.speech.create(
        model="tts-1", voice="joe", input=text, response_format="wav"
    ).content
    pcm = read_wav(audio)
    return resample(pcm.samples, pcm.rate, RATE).astype(np.int16)


def transcribe(model_dir: Path, samples: np.ndarray) -> str:
    """What Whisper hears in 48 kHz int16 audio."""
    from faster_whisper import WhisperModel

    whisper = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)
    audio = resample(samples, RATE, 16000).astype(np.float32) / 32768.0
    segments, _ = whisper.transcribe(audio, language="en", beam_size=5)
    return " ".join(segment.text for segment in segments)


def whisper_dir(app: VoiceApp) -> Path:
    return Path(app.services.local_models.prepare(roles=("stt",))["stt"])


async def converse(candidate: RoomCandidate, app: VoiceApp, live, answers: list[str]) -> list:
    """Say each answer once the interviewer's turn is committed and its audio is over;
    the (from, until) wall-clock windows in which each interviewer turn was heard."""
    windows = []
    heard_from = 0.0  # the greeting: from the moment the candidate joined
    await live.wait_turns("interviewer", 1, timeout=SLOW)
    for i, answer in enumerate(answers):
        await candidate.wait_quiet(timeout=SLOW)
        samples = await asyncio.to_thread(spoken, app, answer)
        said = await candidate.say(answer, samples=samples)
        windows.append((heard_from, said.started_at))
        heard_from = said.ended_at
        await live.wait_turns("candidate", i + 1, timeout=SLOW)
        await live.wait_turns("interviewer", i + 2, timeout=SLOW)  # committed once spoken
    await candidate.wait_quiet(timeout=SLOW)
    windows.append((heard_from, time.time()))
    return windows


async def test_spoken_answers_and_the_interviewers_voice_survive_local_speech(
    tmp_path, livekit_server, local_models_dir
):
    asked = iter(QUESTIONS)
    with FakeOpenAI(api_key="sk-local-voice-1") as llm, FakeDeepgram() as deepgram:
        llm.responder = lambda body: Reply(text=next(asked, "Thank you, that is all for today."))
        app = VoiceApp.build(
            tmp_path,
            livekit=livekit_server,
            openai=llm,
            deepgram=deepgram,
            user_keys=ProviderKeys(stt_provider="local", tts_provider="local"),
            local=LocalModelSettings(models_dir=local_models_dir, ollama_url=None),
            stage_scale=20.0,
        )
        try:
            live = await app.start(patience="normal", record=True)
            async with live.candidate as candidate:
                windows = await converse(candidate, app, live, ANSWERS)
            answers = live.turns("candidate")
            said = live.turns("interviewer")
            model = whisper_dir(app)
            heard = [transcribe(model, candidate.recording(*w)) for w in windows]
        finally:
            app.close()
    assert [t["text"] for t in answers] and len(answers) == len(ANSWERS)  # one turn each
    for answer, turn in zip(ANSWERS, answers, strict=True):
        assert word_error_rate(answer, turn["text"]) <= 0.20, (answer, turn["text"])
    assert len(said) >= len(ANSWERS) + 1
    for turn, audio_text in zip(said, heard, strict=False):
        assert word_error_rate(turn["text"], audio_text) <= 0.25, (turn["text"], audio_text)


async def test_a_voice_interview_on_three_local_models_runs_end_to_end(
    tmp_path, livekit_server, local_models_dir
):
    with FakeOpenAI(api_key="sk-unused-2") as unused, FakeDeepgram() as deepgram:
        app = VoiceApp.build(
            tmp_path,
            livekit=livekit_server,
            openai=unused,
            deepgram=deepgram,
            user_keys=ProviderKeys(models="local", stt_provider="local", tts_provider="local"),
            local=LocalModelSettings(models_dir=local_models_dir, ollama_url=None),
            stage_scale=0.15,
        )
        try:
            live = await app.start(patience="normal", length="short", record=True)
            async with live.candidate as candidate:
                await converse(candidate, app, live, ANSWERS[:2])
            await asyncio.to_thread(app.services.interviews.end_active, "local")
            ended = await live.wait_ended(timeout=SLOW)
            events = live.events()
        finally:
            app.close()
    assert unused.requests == [] and unused.speech_requests == []  # nothing went out
    errors = [e["message"] for e in events if e["type"] == "error"]
    assert not errors and ended["reason"] in ("completed", "user_ended"), errors
    said = [e for e in events if e["type"] == "turn" and e["role"] == "interviewer"]
    answers = [e for e in events if e["type"] == "turn" and e["role"] == "candidate"]
    assert len(answers) == 2 and len(said) >= 3
    assert candidate.heard.bursts  # the local voice was heard in the room
