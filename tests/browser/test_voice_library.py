"""The voice room's own script (livekit-client) through the whole app in headless
Chromium: when the browser cannot load it (an ad-blocker, a proxy or a firewall, played
here by Playwright refusing or holding the request) the room box says why and what to do,
and the interview is stopped at once so no clock runs for nothing; when it loads and the
interview ends, the room box says the room is closed instead of showing stale facts."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest

from tests.app_process import LIVEKIT_JS, AppProcess
from tests.browser.conftest import FAKE_KEY
from tests.browser.conftest import explained_wait as _wait
from tests.browser.test_voice_start import _start_voice
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.sockets import silent_listener
from tests.waiting import eventually

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not LIVEKIT_JS.is_file(), reason="npm livekit-client not installed"),
]
LIBRARY = "**/*livekit-client*"
ROOM_ERROR = "() => document.querySelector('#mf-room .mf-room-status')?.dataset.kind === 'error'"


@contextlib.contextmanager
def _voice_app(tmp_path_factory, fake_llm, livekit: dict[str, str]):
    stt = FakeDeepgram()
    stt.start_in_thread()
    try:
        app = AppProcess(
            tmp_path_factory.mktemp("voice-app"),
            {
                "OPENAI_API_KEY": FAKE_KEY,
                "OPENAI_BASE_URL": fake_llm.base_url,
                "DEEPGRAM_API_KEY": stt.api_key,
                "DEEPGRAM_BASE_URL": stt.url,
                **livekit,
            },
        )
        try:
            yield app
        finally:
            app.stop()
    finally:
        stt.stop_thread()


@contextlib.contextmanager
def _silent_livekit() -> Iterator[dict[str, str]]:
    """A LiveKit URL that accepts and never answers: the interviewer waits on it, so the
    browser's report is the one that stops the interview."""
    with silent_listener() as port:
        yield {
            "LIVEKIT_URL": f"ws://127.0.0.1:{port}",
            "LIVEKIT_API_KEY": "APIbrowsertest",
            "LIVEKIT_API_SECRET": "a-livekit-secret-that-is-long-enough-0123",
        }


def _room_status(page) -> str:
    return page.locator("#mf-room .mf-room-status").inner_text()


def _assert_stopped(page, app: AppProcess) -> None:
    """The interview was stopped: no interviewer left, the bar says why, End is off and
    the bar's clock stands still."""
    assert eventually(lambda: app.health()["active_sessions"] == 0, timeout=30)
    _wait(page, "() => document.querySelector('#mf-stage-bar')?.innerText.includes('error')")
    _wait(page, "() => !document.querySelector('#mf-end')?.matches(':enabled')")
    bar = page.locator("#mf-stage-bar").inner_text()
    page.wait_for_timeout(3000)  # three of the timer's ticks: a running clock would move
    assert page.locator("#mf-stage-bar").inner_text() == bar


def test_a_blocked_voice_library_is_explained_and_the_interview_stopped(
    browser, fake_llm, tmp_path_factory, shots
):
    with _silent_livekit() as livekit, _voice_app(tmp_path_factory, fake_llm, livekit) as app:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route(LIBRARY, lambda route: route.abort("blockedbyclient"))
        started = _start_voice(page, app.url)
        _wait(page, ROOM_ERROR, 45000, app=app)  # the page's own deadline is 10 s
        print(f"reason shown {time.monotonic() - started:.1f} s after Start")
        status = _room_status(page)
        assert "Voice could not start" in status
        assert "could not load the voice library (livekit-client) from this app" in status
        assert "Choose text mode in Setup" in status
        page.locator("#mf-room").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "voice-library-blocked-1280.png"), full_page=True)
        _assert_stopped(page, app)
        assert "Voice could not start" in _room_status(page)  # the reason stays
        facts = page.locator("#mf-room .mf-room-facts").inner_text()
        assert facts == "Interviewer: did not join · Connection: closed"
        transcript = page.locator("#mf-chat").inner_text()
        assert "could not load the voice library (livekit-client) from this app" in transcript
        page.set_viewport_size({"width": 375, "height": 800})
        page.locator("#mf-room").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "voice-library-blocked-375.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_voice_library_that_never_arrives_is_given_up_on(browser, fake_llm, tmp_path_factory):
    held = []
    with _silent_livekit() as livekit, _voice_app(tmp_path_factory, fake_llm, livekit) as app:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.route(LIBRARY, lambda route: held.append(route))  # dropped: no answer ever
        started = _start_voice(page, app.url)
        _wait(page, ROOM_ERROR, 45000, app=app)
        print(f"reason shown {time.monotonic() - started:.1f} s after Start")
        status = _room_status(page)
        assert held, "the page never asked for the voice library"
        assert "did not finish loading the voice library (livekit-client) from this app" in status
        _assert_stopped(page, app)
        context.close()


def test_the_cdn_is_used_only_by_choice_and_its_block_is_named(browser, fake_llm, tmp_path_factory):
    with (
        _silent_livekit() as livekit,
        _voice_app(tmp_path_factory, fake_llm, {**livekit, "MOCKFLOW_LIVEKIT_JS": "cdn"}) as app,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        asked: list[str] = []
        page.route(LIBRARY, lambda route: (asked.append(route.request.url), route.abort()))
        _start_voice(page, app.url)
        _wait(page, ROOM_ERROR, 45000, app=app)
        assert asked and asked[0].startswith("https://cdn.jsdelivr.net/")
        status = _room_status(page)
        assert "from cdn.jsdelivr.net" in status and "ad-blocker, proxy or firewall" in status
        _assert_stopped(page, app)


@pytest.mark.livekit
def test_the_room_box_says_the_room_is_closed_after_the_end(
    browser, fake_llm, tmp_path_factory, livekit_server, shots
):
    livekit = {
        "LIVEKIT_URL": livekit_server.url,
        "LIVEKIT_API_KEY": livekit_server.api_key,
        "LIVEKIT_API_SECRET": livekit_server.api_secret,
    }
    with _voice_app(tmp_path_factory, fake_llm, livekit) as app:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.grant_permissions(["microphone"])
        page = context.new_page()
        _start_voice(page, app.url)
        ok = "() => document.querySelector('#mf-room .mf-room-status')?.dataset.kind === 'ok'"
        _wait(page, ok, 45000, app=app)
        _wait(
            page,
            "() => /Connection: (excellent|good|poor)/.test(document.querySelector("
            "'#mf-room .mf-quality')?.textContent)",
        )
        here = (
            "() => /Interviewer: (?!not here)/.test(document.querySelector('#mf-room')?.innerText)"
        )
        _wait(page, here, 45000, app=app)
        page.get_by_role("button", name="End interview").click()
        page.get_by_role("button", name="Yes, end it").click()
        _wait(page, "() => document.querySelector('#mf-room')?.innerText.includes('closed')")
        room = page.locator("#mf-room")
        facts = room.locator(".mf-room-facts").inner_text()
        assert facts == "Interviewer: left · Connection: closed"
        assert "not here yet" not in facts and "excellent" not in facts
        assert "The interview has ended. The voice room is closed." in _room_status(page)
        page.screenshot(path=str(shots / "voice-ended-1280.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})
        page.screenshot(path=str(shots / "voice-ended-375.png"), full_page=True)
        assert eventually(lambda: app.health()["active_sessions"] == 0, timeout=30)
        context.close()
