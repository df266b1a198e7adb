"""Voice mode through the whole app when the LiveKit server cannot be reached: the page
(the real npm livekit-client in the room component) says why within 10 s, the agent
process is stopped, and History records the interview as failed.

One app points at a closed port, another at a listener that accepts connections and never
answers (a firewalled or hung server), a third at the real LiveKit server with a wrong
secret.
"""

from __future__ import annotations

import contextlib
import time

import pytest

from tests.app_process import LIVEKIT_JS, AppProcess
from tests.browser.conftest import FAKE_KEY
from tests.fakes.sockets import closed_port, silent_listener
from tests.waiting import eventually

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not LIVEKIT_JS.is_file(), reason="npm livekit-client not installed"),
]
LIVEKIT_SECRET = "a-livekit-secret-that-is-long-enough-0123"


@contextlib.contextmanager
def _voice_app(tmp_path_factory, fake_llm, livekit_url: str):
    app = AppProcess(
        tmp_path_factory.mktemp("voice-app"),
        {
            "OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_BASE_URL": fake_llm.base_url,
            "DEEPGRAM_API_KEY": "dg-browser-test-key-0001",
            "LIVEKIT_URL": livekit_url,
            "LIVEKIT_API_KEY": "APIbrowsertest",
            "LIVEKIT_API_SECRET": LIVEKIT_SECRET,
        },
    )
    try:
        yield app
    finally:
        app.stop()


def _start_voice(page, url: str) -> float:
    page.goto(url)
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Target role").fill("Backend Engineer")
    page.get_by_label("Voice (LiveKit)").check()
    started = time.monotonic()
    page.get_by_role("button", name="Start interview").click()
    return started


def _wait_for_room_error(page) -> str:
    page.wait_for_function(
        "() => document.querySelector('#mf-room .mf-room-status')?.dataset.kind === 'error'",
        timeout=45000,  # the page's own deadlines are 7-10 s; a busy machine adds to them
    )
    return page.locator("#mf-room .mf-room-status").inner_text()


def _assert_stopped_and_failed(page, app: AppProcess) -> None:
    assert eventually(lambda: app.health()["active_sessions"] == 0, timeout=15)
    page.wait_for_function(
        "() => document.querySelector('#mf-stage-bar')?.innerText.includes('error')",
        timeout=10000,
    )
    assert not page.locator("#mf-end").is_enabled()
    page.get_by_role("tab", name="History").click()
    page.wait_for_function(
        "() => document.querySelector('#mf-history')?.innerText.includes('failed')",
        timeout=10000,
    )


def test_unreachable_livekit_server_is_explained_and_the_agent_stopped(
    browser, fake_llm, tmp_path_factory, shots
):
    port = closed_port()
    with _voice_app(tmp_path_factory, fake_llm, f"ws://127.0.0.1:{port}") as app:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _start_voice(page, app.url)
        status = _wait_for_room_error(page)
        assert f"Could not reach the LiveKit server at 127.0.0.1:{port}" in status
        assert page.get_by_role("tab", name="Interview", selected=True).is_visible()
        page.screenshot(path=str(shots / "voice-unreachable-1280.png"), full_page=True)
        _assert_stopped_and_failed(page, app)
        page.set_viewport_size({"width": 375, "height": 800})
        page.get_by_role("tab", name="Interview").click()
        page.screenshot(path=str(shots / "voice-unreachable-375.png"), full_page=True)
        assert LIVEKIT_SECRET not in page.content()


def test_livekit_server_that_never_answers_is_explained_within_ten_seconds(
    browser, fake_llm, tmp_path_factory
):
    with (
        silent_listener() as port,
        _voice_app(tmp_path_factory, fake_llm, f"ws://127.0.0.1:{port}") as app,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _start_voice(page, app.url)
        status = _wait_for_room_error(page)
        # the page's own connect deadline gave up (wall time is the bench's business: a
        # busy machine must not fail this)
        assert "127.0.0.1" in status and "did not answer" in status
        _assert_stopped_and_failed(page, app)


@pytest.mark.livekit
def test_a_wrong_livekit_secret_is_explained_by_a_real_server(
    browser, fake_llm, tmp_path_factory, livekit_server
):
    app = AppProcess(
        tmp_path_factory.mktemp("voice-app"),
        {
            "OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_BASE_URL": fake_llm.base_url,
            "DEEPGRAM_API_KEY": "dg-browser-test-key-0001",
            "LIVEKIT_URL": livekit_server.url,
            "LIVEKIT_API_KEY": livekit_server.api_key,
            "LIVEKIT_API_SECRET": LIVEKIT_SECRET,  # not the server's
        },
    )
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _start_voice(page, app.url)
        status = _wait_for_room_error(page)
        assert "rejected the access token" in status
        _assert_stopped_and_failed(page, app)
    finally:
        app.stop()
