"""Rooms are deleted when their interviews end, through a real LiveKit server: whoever is
still in one (a browser that missed the end) is disconnected and the server keeps nothing.
A room that cannot be deleted is logged, without its key, and nothing is raised."""

from __future__ import annotations

import asyncio
import logging

import pytest
from livekit import api, rtc

from mockflow.contracts.ids import LOCAL_USER_ID
from mockflow.contracts.meta import read_meta
from mockflow.launch.livekit.closer import InterviewRoomAccess, RoomCloser
from mockflow.launch.livekit.dispatch import LiveKitCredentials
from mockflow.launch.livekit.tokens import issue_interview_room
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.voice_app import VoiceApp

pytestmark = [pytest.mark.integration, pytest.mark.livekit, pytest.mark.timeout(180)]
FAKE_KEY = "sk-room-closer-test-0001"


async def _room_names(server) -> set[str]:
    async with api.LiveKitAPI(server.url, server.api_key, server.api_secret) as lk:
        return {room.name for room in (await lk.room.list_rooms(api.ListRoomsRequest())).rooms}


async def _disconnected(room: rtc.Room, timeout: float = 30.0) -> bool:
    gone = asyncio.Event()
    if room.connection_state == rtc.ConnectionState.CONN_DISCONNECTED:
        return True
    room.on("disconnected", lambda *_: gone.set())
    try:
        await asyncio.wait_for(gone.wait(), timeout)
    except TimeoutError:
        return False
    return True


async def test_an_ended_interviews_room_is_deleted_with_the_candidate_still_in_it(livekit_server):
    server = livekit_server
    issued = issue_interview_room(server.url, server.api_key, server.api_secret)
    candidate = rtc.Room()
    await candidate.connect(issued.url, issued.candidate_token)
    assert issued.room in await _room_names(server)
    closer = RoomCloser()
    credentials = LiveKitCredentials(server.url, server.api_key, server.api_secret)
    closer.opened("iv_1", InterviewRoomAccess(credentials, issued.room))
    try:
        deleted = closer.ended("iv_1")
        assert deleted is not None
        await asyncio.wrap_future(deleted)
        assert closer.ended("iv_1") is None  # once
        assert await _disconnected(candidate)
        assert issued.room not in await _room_names(server)
    finally:
        closer.close()
        await candidate.disconnect()


async def test_a_room_that_cannot_be_deleted_is_logged_without_its_secret(livekit_server, caplog):
    server = livekit_server
    issued = issue_interview_room(server.url, server.api_key, server.api_secret)
    wrong = "a-wrong-livekit-secret-that-is-long-enough-77"
    closer = RoomCloser()
    closer.opened(
        "iv_2", InterviewRoomAccess(LiveKitCredentials(server.url, "devkey", wrong), issued.room)
    )
    try:
        with caplog.at_level(logging.INFO, logger="mockflow.launch.livekit.closer"):
            deleted = closer.ended("iv_2")
            assert deleted is not None
            await asyncio.wrap_future(deleted)  # nothing raised
    finally:
        closer.close()
    assert "iv_2: its room could not be closed" in caplog.text
    assert "rejected the API key or secret (401)" in caplog.text
    assert wrong not in caplog.text


@pytest.fixture
def voice_app(tmp_path, livekit_server):
    with (
        FakeOpenAI(api_key=FAKE_KEY, responder=ScriptedInterviewer(answers_per_stage=1)) as llm,
        FakeDeepgram() as stt,
    ):
        app = VoiceApp.build(tmp_path / "data", livekit=livekit_server, openai=llm, deepgram=stt)
        try:
            yield app
        finally:
            app.close()


async def test_the_local_runner_deletes_the_room_of_an_interview_that_ended(
    voice_app, livekit_server
):
    live = await voice_app.start(patience="normal")
    room = read_meta(voice_app.session_dir(live.session_id))["room"]
    async with live.candidate as candidate:
        await live.wait_turns("interviewer", 1, timeout=90)
        assert room in await _room_names(livekit_server)
        await asyncio.to_thread(voice_app.services.interviews.end, LOCAL_USER_ID, live.session_id)
        # the candidate never leaves: the server disconnects it as it deletes the room
        assert await _disconnected(candidate.room)
    assert room not in await _room_names(livekit_server)
