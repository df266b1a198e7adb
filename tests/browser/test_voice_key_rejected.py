"""A voice interview whose speech-to-text key the provider rejects (401), in headless
Chromium through the real app and a real LiveKit server: the interview stops on its own
before the interviewer's first reply is kept, the candidate reads why, the browser leaves
the room (its microphone stopped) and the app deletes the room.

Whichever of the page's two followers sees the end first (the one following a reply,
every 50 ms, or the 1 s timer), the room must be left: the test runs several times, as
the race went either way."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from livekit import api

from mockflow.contracts.meta import read_meta
from tests.app_process import LIVEKIT_JS, AppProcess
from tests.browser.conftest import FAKE_KEY
from tests.browser.conftest import explained_wait as _wait
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.waiting import eventually

pytestmark = [
    pytest.mark.browser,
    pytest.mark.livekit,
    pytest.mark.skipif(not LIVEKIT_JS.is_file(), reason="npm livekit-client not installed"),
]
# the bug showed in 4 of 7 runs: a few runs catch it; MOCKFLOW_TEST_REPEAT=5 for more
RUNS = int(os.environ.get("MOCKFLOW_TEST_REPEAT", "2"))

# Every microphone track the page gets from the browser, to check that each was stopped
# (the browser's own "in use" indicator goes off only then).
KEEP_MIC_TRACKS = """(() => {
  window.__mfMicTracks = [];
  const media = navigator.mediaDevices;
  const getUserMedia = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    window.__mfMicTracks.push(...stream.getAudioTracks());
    return stream;
  };
})();"""
MIC_STOPPED = "() => window.__mfMicTracks.every((track) => track.readyState === 'ended')"
ENDED = "() => document.querySelector('#mf-stage-bar')?.innerText.includes('error')"
ROOM_LEFT = "() => document.querySelector('#mf-room .mf-room')?.dataset.connection === 'left'"


@pytest.fixture
def rejecting_app(tmp_path, livekit_server):
    llm = FakeOpenAI(api_key=FAKE_KEY, responder=ScriptedInterviewer(answers_per_stage=1))
    llm.start_in_thread()
    stt = FakeDeepgram(api_key="dg-the-right-key-0001")
    stt.start_in_thread()
    (tmp_path / "data").mkdir()
    app = AppProcess(
        tmp_path / "data",
        {
            "OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_BASE_URL": llm.base_url,
            "DEEPGRAM_API_KEY": "dg-a-wrong-key-0002",  # the fake answers 401
            "DEEPGRAM_BASE_URL": stt.url,
            "LIVEKIT_URL": livekit_server.url,
            "LIVEKIT_API_KEY": livekit_server.api_key,
            "LIVEKIT_API_SECRET": livekit_server.api_secret,
            "MOCKFLOW_READY_TIMEOUT": "90",  # a loaded machine: the key, not the start, fails
        },
    )
    try:
        yield app
    finally:
        app.stop()
        stt.stop_thread()
        llm.stop_thread()


def _rooms(server) -> dict[str, list[api.ParticipantInfo]]:
    """The server's rooms by name, each with its participants."""

    async def ask() -> dict[str, list[api.ParticipantInfo]]:
        async with api.LiveKitAPI(server.url, server.api_key, server.api_secret) as lk:
            rooms = (await lk.room.list_rooms(api.ListRoomsRequest())).rooms
            return {
                room.name: list(
                    (
                        await lk.room.list_participants(api.ListParticipantsRequest(room=room.name))
                    ).participants
                )
                for room in rooms
            }

    with ThreadPoolExecutor(1) as thread:  # Playwright's own loop runs in this one
        return thread.submit(asyncio.run, ask()).result()


def _room_of(app: AppProcess) -> str:
    (session_dir,) = (app.data_dir / "sessions").iterdir()
    return read_meta(Path(session_dir))["room"]


@pytest.mark.parametrize("run", range(1, RUNS + 1))
def test_a_rejected_speech_key_ends_the_interview_and_the_browser_leaves_the_room(
    run, browser, rejecting_app, livekit_server, shots
):
    app = rejecting_app
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["microphone"])
    context.add_init_script(KEEP_MIC_TRACKS)
    page = context.new_page()
    page.goto(app.url)
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Target role").fill("Backend Engineer")
    page.get_by_label("Voice (LiveKit)").check()
    page.get_by_role("button", name="Start interview").click()

    # the candidate reads why it stopped, in plain words (the end may come before or after
    # the browser has joined and turned its microphone on: either way it must leave)
    _wait(page, ENDED, 60000, app=app)
    chat = page.locator("#mf-chat")
    _wait(page, "() => document.querySelector('#mf-chat')?.innerText.includes('401')", app=app)
    assert "rejected the API key (401)" in chat.inner_text()
    assert "dg-a-wrong-key" not in page.content()

    # the browser left the room: the box says so, the microphone is stopped
    _wait(page, ROOM_LEFT, 30000, app=app)
    _wait(page, MIC_STOPPED, 30000, app=app)
    status = page.locator("#mf-room .mf-room-status").inner_text()
    assert "The voice room is closed" in status, status
    assert "Connection: closed" in page.locator("#mf-room .mf-quality").inner_text()

    # and the app deleted the room on the server (not left for LiveKit to close when idle)
    room = _room_of(app)
    assert eventually(lambda: room not in _rooms(livekit_server), timeout=30), _rooms(
        livekit_server
    ).get(room)
    log = app.data_dir / "app.log"
    assert eventually(lambda: "its room is closed" in log.read_text("utf-8"), timeout=30)
    assert eventually(lambda: app.health()["active_sessions"] == 0, timeout=30)
    if run == 1:
        page.screenshot(path=str(shots / "voice-key-rejected-1280.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(shots / "voice-key-rejected-375.png"), full_page=True)
    context.close()
