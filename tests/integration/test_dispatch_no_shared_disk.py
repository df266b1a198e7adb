"""Dispatch workers share no folder with the app: two `python agent_entry.py worker`
processes, each with its own data folder (standing in for two machines), serve interviews
at once through the real LiveKit server; the timeline reaches the app's folder only over
the room (`mockflow.contracts.relay`), every event once and in order.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import signal
from pathlib import Path

import pytest

from mockflow.contracts.events import EVENTS_FILE, read_events
from mockflow.contracts.ids import LOCAL_USER_ID
from mockflow.contracts.relay import APP_IDENTITY, TIMELINE_TOPIC
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.voice_app import LiveInterview, VoiceApp
from tests.worker_process import WorkerProcess

pytestmark = [pytest.mark.integration, pytest.mark.livekit, pytest.mark.timeout(300)]
WORKER_KEY = "sk-worker-own-key-0002"
WORKER_NAME = "mockflow-no-shared-disk-test"  # no other module's worker takes these jobs


@pytest.fixture(scope="module")
def openai():
    with FakeOpenAI(api_key=WORKER_KEY) as server:
        yield server


@pytest.fixture(autouse=True)
def interviewer(openai):
    openai.responder = ScriptedInterviewer(answers_per_stage=1)
    return openai.responder


@pytest.fixture(scope="module")
def deepgram():
    with FakeDeepgram(api_key="dg-worker-own-key") as server:
        yield server


class Machine:
    """One worker on its own "machine": its own data folder, nothing of the app's."""

    def __init__(self, folder: Path, livekit, openai, deepgram) -> None:
        folder.mkdir()
        self.folder = folder
        self.worker = WorkerProcess(
            folder,
            livekit,
            openai_key=WORKER_KEY,
            openai_url=openai.base_url,
            deepgram_key=deepgram.api_key,
            deepgram_url=deepgram.url,
            log_path=folder / "worker.log",
            name=WORKER_NAME,
        )
        self.worker.wait_registered()

    def own_copy(self, session_id: str) -> list[dict]:
        path = self.folder / "worker" / "sessions" / session_id / EVENTS_FILE
        return read_events(path) if path.exists() else []

    def take_no_more_jobs(self) -> None:
        """SIGTERM: the worker drains (its interviews go on, the server sends it no new
        job), so the next dispatch goes to the other machine."""
        self.worker.proc.send_signal(signal.SIGTERM)

    async def draining(self) -> None:
        await _until(lambda: "draining" in self.worker.log(), "the worker to drain")


async def _until(predicate, what: str, timeout: float = 45.0) -> None:
    """Poll without blocking the loop (the candidate's room runs on it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
def machines(tmp_path, livekit_server, openai, deepgram):
    made: list[Machine] = []

    def make(name: str) -> Machine:
        made.append(Machine(tmp_path / name, livekit_server, openai, deepgram))
        return made[-1]

    yield make
    for machine in made:
        machine.worker.stop()


def _app(folder: Path, livekit_server, openai, deepgram) -> VoiceApp:
    return VoiceApp.build(
        folder,
        livekit=livekit_server,
        openai=openai,
        deepgram=deepgram,
        voice_agents="dispatch",
        running_per_user=4,
        worker_name=WORKER_NAME,
    )


async def _two_interviews_on_two_machines(
    app, make
) -> tuple[LiveInterview, LiveInterview, Machine, Machine]:
    """The first interview goes to machine A; A then drains, so the second goes to B."""
    a = make("machine-a")
    first = await app.start(patience="normal", role="Backend Engineer")
    await _ready(first)  # A has the job
    a.take_no_more_jobs()
    await a.draining()
    b = make("machine-b")
    second = await app.start(patience="normal", role="Data Engineer")
    await _ready(second)
    return first, second, a, b


async def _ready(live: LiveInterview) -> None:
    await live.wait_for(lambda events: live.events("ready"), timeout=60, what="ready")


async def _greeted_and_answered(live: LiveInterview, answer: str) -> None:
    candidate = live.candidate
    await candidate.wait_for_burst(1, timeout=30)
    await candidate.wait_quiet()
    await candidate.say(answer)
    await live.wait_turns("candidate", 1, timeout=45)
    await candidate.wait_for_burst(2, timeout=30)
    await candidate.wait_quiet()


async def test_two_workers_on_their_own_folders_give_the_app_every_event_once_in_order(
    tmp_path, machines, livekit_server, openai, deepgram, caplog
):
    app = _app(tmp_path / "app", livekit_server, openai, deepgram)
    try:
        first, second, a, b = await _two_interviews_on_two_machines(app, machines)
        async with first.candidate, second.candidate:
            await asyncio.gather(
                _greeted_and_answered(first, "Yes, I'm ready."),
                _greeted_and_answered(second, "Ready when you are."),
            )
            await _forge_a_turn(first)
            interviews = app.services.interviews
            for live in (first, second):
                await asyncio.to_thread(interviews.end, LOCAL_USER_ID, live.session_id)
                assert (await live.wait_ended())["reason"] == "user_ended"
    finally:
        app.close()
    for live, machine, elsewhere in ((first, a, b), (second, b, a)):
        assert live.events() == machine.own_copy(live.session_id)  # all, in order, once
        assert elsewhere.own_copy(live.session_id) == []  # served by its machine alone
        assert not (machine.folder / "sessions").exists()  # nothing of the app's layout
    assert [t["text"] for t in first.turns("candidate")] == ["Yes, I'm ready."]
    assert [t["text"] for t in second.turns("candidate")] == ["Ready when you are."]
    assert not (tmp_path / "app" / "worker").exists()
    assert not [t for t in first.turns() if "forged" in t["text"]]  # the candidate's refused
    assert "refused a timeline packet from a participant that is not an agent" in caplog.text


async def test_a_killed_worker_fails_only_its_own_interview(
    tmp_path, machines, livekit_server, openai, deepgram
):
    app = _app(tmp_path / "app", livekit_server, openai, deepgram)
    try:
        victim, alive, a, _ = await _two_interviews_on_two_machines(app, machines)
        async with victim.candidate, alive.candidate:
            await asyncio.gather(
                _greeted_and_answered(victim, "Yes, I'm ready."),
                _greeted_and_answered(alive, "Ready when you are."),
            )
            a.worker.kill()
            ended = await victim.wait_ended(timeout=45)
            await alive.candidate.say("I build payment systems in Go.")
            await alive.wait_turns("candidate", 2, timeout=45)
            await asyncio.to_thread(app.services.interviews.end, LOCAL_USER_ID, alive.session_id)
            alive_ended = await alive.wait_ended()
    finally:
        app.close()
    assert ended["reason"] == "error" and victim.status() == "failed"
    assert [t["text"] for t in victim.turns("candidate")] == ["Yes, I'm ready."]  # kept
    assert alive_ended["reason"] == "user_ended" and alive.status() == "user_ended"


async def test_a_restarted_app_catches_up_from_the_worker(
    tmp_path, machines, livekit_server, openai, deepgram
):
    machine = machines("machine-a")
    app = _app(tmp_path / "app", livekit_server, openai, deepgram)
    live = await app.start(patience="normal")
    async with live.candidate as candidate:
        await _greeted_and_answered(live, "Yes, I'm ready.")
        app.close()  # the app goes away; the worker keeps what it cannot deliver
        await candidate.say("I build payment systems in Go.")
        await _until(
            lambda: len([e for e in machine.own_copy(live.session_id) if _answer(e)]) == 2,
            "the worker's own copy of the second answer",
        )
        assert len(live.turns("candidate")) == 1  # the app's folder has not had it
        restarted = _app(tmp_path / "app", livekit_server, openai, deepgram)
        try:
            restarted.candidates.update(app.candidates)
            live.app = restarted
            await live.wait_turns("candidate", 2, timeout=45)  # caught up
            await asyncio.to_thread(
                restarted.services.interviews.end, LOCAL_USER_ID, live.session_id
            )
            ended = await live.wait_ended()
        finally:
            restarted.close()
    assert ended["reason"] == "user_ended"
    assert live.events() == machine.own_copy(live.session_id)


async def _forge_a_turn(live: LiveInterview) -> None:
    """The candidate's browser publishes timeline packets of its own to the app."""
    local = live.candidate.room.local_participant
    seq = len(live.events()) + 1
    body = {"k": "event", "n": seq, "e": {"t": 1.0, "type": "turn", "role": "candidate"}}
    body["e"]["text"] = "forged: I invented this answer"
    text = json.dumps(body)
    for mac in ("0" * 64, hmac.new(b"guessed", text.encode(), hashlib.sha256).hexdigest()):
        packet = json.dumps({"b": text, "m": mac})
        await local.publish_data(
            packet, topic=TIMELINE_TOPIC, destination_identities=[APP_IDENTITY]
        )


def _answer(event: dict) -> bool:
    return event["type"] == "turn" and event["role"] == "candidate"
