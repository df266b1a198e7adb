"""What a candidate sees when the LiveKit server is wrong or goes away, against the real
binary: a server that is not running, a URL whose port serves something else, a wrong
secret, and the server killed mid-interview. Each gives the interview a plain `error`
and `ended` within seconds, the agent process exits, and the transcript so far is kept.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.voice_app import VoiceApp

pytestmark = [
    pytest.mark.integration,
    pytest.mark.livekit,
    pytest.mark.timeout(120),
]


@pytest.fixture(scope="module")
def openai():
    with FakeOpenAI(api_key="sk-livekit-faults-0001") as server:
        yield server


@pytest.fixture(autouse=True)
def interviewer(openai):
    """A fresh scripted interviewer per test (it remembers what it asked)."""
    openai.responder = ScriptedInterviewer(answers_per_stage=1)
    return openai.responder


@pytest.fixture(scope="module")
def deepgram():
    with FakeDeepgram() as server:
        yield server


def _app(tmp_path, livekit, openai, deepgram) -> VoiceApp:
    return VoiceApp.build(tmp_path / "data", livekit=livekit, openai=openai, deepgram=deepgram)


async def _fails_fast(app: VoiceApp, expected: str) -> dict:
    started = time.monotonic()
    live = await app.start(patience="normal")
    ended = await live.wait_ended(timeout=15)
    elapsed = time.monotonic() - started
    [error] = live.events("error")
    assert ended["reason"] == "error"
    assert expected in error["message"], error["message"]
    assert elapsed < 10.0
    await _gone(app)
    assert live.status() == "failed"
    return error


async def _gone(app: VoiceApp, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while app.services.supervisor.active_sessions():
        assert time.monotonic() < deadline, "the agent process did not exit"
        await asyncio.sleep(0.05)


async def test_a_server_that_is_not_running_is_reported_within_seconds(
    tmp_path, own_livekit_server, openai, deepgram
):
    own_livekit_server.stop()
    app = _app(tmp_path, own_livekit_server, openai, deepgram)
    try:
        error = await _fails_fast(app, "could not be reached")
    finally:
        app.close()
    assert f"127.0.0.1:{own_livekit_server.ports.http}" in error["message"]


async def test_a_port_that_serves_something_else_is_reported(
    tmp_path, livekit_server, openai, deepgram
):
    wrong = dataclasses.replace(
        livekit_server, ports=dataclasses.replace(livekit_server.ports, http=openai.port)
    )
    app = _app(tmp_path, wrong, openai, deepgram)
    try:
        await _fails_fast(app, "could not be reached")
    finally:
        app.close()


async def test_a_wrong_secret_is_reported_as_a_rejected_token(
    tmp_path, livekit_server, openai, deepgram
):
    wrong = dataclasses.replace(livekit_server, api_secret="not-the-secret-" + "x" * 24)
    app = _app(tmp_path, wrong, openai, deepgram)
    try:
        await _fails_fast(app, "rejected the interviewer's access token")
    finally:
        app.close()


async def test_the_server_killed_mid_interview_ends_it_in_error_transcript_kept(
    tmp_path, own_livekit_server, openai, deepgram
):
    app = _app(tmp_path, own_livekit_server, openai, deepgram)
    try:
        live = await app.start(patience="normal")
        async with live.candidate as candidate:
            await candidate.wait_for_burst(1, timeout=15)
            await candidate.wait_quiet()
            await candidate.say("Yes, I'm ready.")
            await live.wait_turns("candidate", 1)
            await candidate.wait_for_burst(2)
            own_livekit_server.kill()
            killed = time.time()
            ended = await live.wait_ended(timeout=20)
            await _gone(app)
    finally:
        app.close()
    assert ended["reason"] == "error" and ended["t"] - killed < 15.0
    [error] = live.events("error")
    assert "connection to the LiveKit server was lost" in error["message"]
    assert [t["text"] for t in live.turns("candidate")] == ["Yes, I'm ready."]
    assert live.status() == "failed"
