"""Dispatch mode for real: `python agent_entry.py worker` registers with the real LiveKit
server, the app (`MOCKFLOW_VOICE_AGENTS=dispatch`) creates the dispatch, the worker takes
the job and a scripted candidate holds the interview; commands travel as server-sent room
data; a killed worker and a restarted app are handled.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from mockflow.contracts.ids import LOCAL_USER_ID
from mockflow.contracts.job import COMMAND_TOPIC
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.voice_app import VoiceApp
from tests.worker_process import WorkerProcess

pytestmark = [
    pytest.mark.integration,
    pytest.mark.livekit,
    pytest.mark.timeout(240),
]
WORKER_KEY = "sk-worker-own-key-0001"
OWN_WORKER_NAME = "mockflow-killed-worker-test"


@pytest.fixture(scope="module")
def openai():
    with FakeOpenAI(api_key=WORKER_KEY) as server:
        yield server


@pytest.fixture(autouse=True)
def interviewer(openai):
    """A fresh scripted interviewer per test (it remembers what it asked)."""
    openai.responder = ScriptedInterviewer(answers_per_stage=1)
    return openai.responder


@pytest.fixture(scope="module")
def deepgram():
    with FakeDeepgram(api_key="dg-worker-own-key") as server:
        yield server


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("dispatch-data")


@pytest.fixture(scope="module")
def worker(data_dir, livekit_server, openai, deepgram):
    process = WorkerProcess(
        data_dir,
        livekit_server,
        openai_key=WORKER_KEY,
        openai_url=openai.base_url,
        deepgram_key=deepgram.api_key,
        deepgram_url=deepgram.url,
        log_path=data_dir / "worker.log",
    )
    process.wait_registered()
    yield process
    process.stop()


def _app(data_dir, livekit_server, openai, deepgram, **settings) -> VoiceApp:
    return VoiceApp.build(
        data_dir,
        livekit=livekit_server,
        openai=openai,
        deepgram=deepgram,
        voice_agents="dispatch",
        running_per_user=4,  # one local user holds several interviews here
        **settings,
    )


@pytest.fixture
def app(data_dir, livekit_server, openai, deepgram, worker):
    voice = _app(data_dir, livekit_server, openai, deepgram)
    yield voice
    voice.close()


async def _greeted_and_answered(live, answer: str = "Yes, I'm ready.") -> None:
    candidate = live.candidate
    await candidate.wait_for_burst(1, timeout=20)
    await candidate.wait_quiet()
    await candidate.say(answer)
    await live.wait_turns("candidate", 1)
    await candidate.wait_for_burst(2)
    await candidate.wait_quiet()


async def test_a_dispatched_interview_runs_on_the_worker_with_commands_from_the_app(app):
    live = await app.start(patience="normal")
    interviews = app.services.interviews
    async with live.candidate as candidate:
        await _greeted_and_answered(live)
        await asyncio.to_thread(interviews.send_answer, LOCAL_USER_ID, live.session_id, "Typed.")
        typed = await live.wait_turns("candidate", 2)
        await candidate.wait_for_burst(3)
        await candidate.wait_quiet()
        await asyncio.to_thread(interviews.skip_stage, LOCAL_USER_ID, live.session_id)
        await live.wait_for(lambda ev: [e for e in ev if e.get("reason") == "skip"])
        await candidate.wait_for_burst(4)
        await asyncio.to_thread(interviews.end, LOCAL_USER_ID, live.session_id)
        ended = await live.wait_ended()
        await asyncio.wait_for(candidate.agent_left.wait(), 15)
    assert typed[-1]["text"] == "Typed."
    assert ended["reason"] == "user_ended"
    assert live.status() == "user_ended"
    assert app.openai.requests[-1]  # the worker's own key reached the model


async def test_commands_a_participant_publishes_are_ignored_by_the_worker(app):
    live = await app.start(patience="normal")
    async with live.candidate as candidate:
        await candidate.wait_for_burst(1, timeout=20)
        await candidate.wait_quiet()
        local = candidate.room.local_participant
        for forged in ({"type": "skip_stage"}, {"type": "end", "reason": "error"}):
            await local.publish_data(json.dumps(forged), topic=COMMAND_TOPIC)
        await candidate.say("Yes, I'm ready.")
        await live.wait_turns("candidate", 1)
        await candidate.wait_for_burst(2)
    assert [e["reason"] for e in live.events("stage")] == ["start"]
    assert not live.events("ended")
    assert "ignored a command packet sent by a participant" in app_worker_log(app)


def app_worker_log(app) -> str:
    return (app.services.settings.data_dir / "worker.log").read_text("utf-8", errors="replace")


async def test_one_worker_serves_two_interviews_at_once(app):
    first = await app.start(patience="normal", role="Backend Engineer")
    second = await app.start(patience="normal", role="Data Engineer")
    async with first.candidate, second.candidate:
        await asyncio.gather(
            _greeted_and_answered(first, "Yes, I'm ready."),
            _greeted_and_answered(second, "Ready when you are."),
        )
    assert [t["text"] for t in first.turns("candidate")] == ["Yes, I'm ready."]
    assert [t["text"] for t in second.turns("candidate")] == ["Ready when you are."]
    assert first.started.room["url"] == second.started.room["url"]


@pytest.fixture
def own_worker(tmp_path, livekit_server, openai, deepgram):
    data = tmp_path / "data"
    data.mkdir()
    process = WorkerProcess(
        data,
        livekit_server,
        openai_key=WORKER_KEY,
        openai_url=openai.base_url,
        deepgram_key=deepgram.api_key,
        deepgram_url=deepgram.url,
        log_path=data / "worker.log",
        # its own agent name: the module's shared worker, registered with the same server,
        # must not take this test's dispatch
        name=OWN_WORKER_NAME,
    )
    process.wait_registered()
    yield process
    process.stop()


async def test_a_killed_worker_fails_the_interview_and_closes_the_room(
    own_worker, livekit_server, openai, deepgram, data_dir
):
    app = _app(
        own_worker.log_path.parent, livekit_server, openai, deepgram, worker_name=OWN_WORKER_NAME
    )
    try:
        live = await app.start(patience="normal")
        async with live.candidate as candidate:
            await _greeted_and_answered(live)
            own_worker.kill()
            killed = time.time()
            ended = await live.wait_ended(timeout=30)
            await asyncio.wait_for(candidate.disconnected.wait(), 15)  # the room was deleted
            closed = time.time()
    finally:
        app.close()
    assert ended["reason"] == "error"
    print(
        f"worker killed -> ended {ended['t'] - killed:.1f} s, room closed {closed - killed:.1f} s"
    )
    assert ended["t"] - killed < 15
    [error] = live.events("error")
    assert "interviewer stopped" in error["message"].lower()
    assert live.status() == "failed"
    assert [t["text"] for t in live.turns("candidate")] == ["Yes, I'm ready."]


async def test_a_restarted_app_follows_a_running_worker_interview_to_its_end(
    data_dir, livekit_server, openai, deepgram, worker
):
    app = _app(data_dir, livekit_server, openai, deepgram)
    live = await app.start(patience="normal")
    async with live.candidate as candidate:
        await _greeted_and_answered(live)
        app.close()  # the app goes away; the worker goes on
        restarted = _app(data_dir, livekit_server, openai, deepgram)
        try:
            live.app = restarted
            assert live.status() == "running"
            await candidate.say("I build payment systems in Go. That's about it.")
            await live.wait_turns("candidate", 2)
            await candidate.wait_for_burst(3)
            interviews = restarted.services.interviews
            await asyncio.to_thread(interviews.end, LOCAL_USER_ID, live.session_id)
            ended = await live.wait_ended()
            status = live.status()
        finally:
            restarted.close()
    assert ended["reason"] == "user_ended" and status == "user_ended"
