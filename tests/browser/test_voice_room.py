"""A voice interview in headless Chromium through the real app and a real LiveKit server:
the page's room component (the npm livekit-client) joins, publishes a microphone that
plays recorded speech (Chromium's fake capture device fed a WAV made with espeak-ng), plays
the interviewer, shows live captions and the interviewer's state in words, and the token
it was given never travels back to the server. The model, speech-to-text and
text-to-speech are the local fakes; the SFU is the real one."""

from __future__ import annotations

import json
import re

import pytest

from tests.app_process import LIVEKIT_JS, AppProcess
from tests.browser.conftest import FAKE_KEY, speaking_chromium
from tests.browser.conftest import explained_wait as _wait
from tests.fakes import speech
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.waiting import eventually

pytestmark = [
    pytest.mark.browser,
    pytest.mark.livekit,
    pytest.mark.skipif(not LIVEKIT_JS.is_file(), reason="npm livekit-client not installed"),
    pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox"),
]
ANSWER = "I have built payment systems for five years."
JWT = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.")


@pytest.fixture
def voice_app(tmp_path, livekit_server):
    llm = FakeOpenAI(api_key=FAKE_KEY, responder=ScriptedInterviewer(answers_per_stage=1))
    llm.start_in_thread()
    stt = FakeDeepgram(default_transcript=ANSWER)
    stt.start_in_thread()
    (tmp_path / "data").mkdir()
    app = AppProcess(
        tmp_path / "data",
        {
            "OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_BASE_URL": llm.base_url,
            "DEEPGRAM_API_KEY": stt.api_key,
            "DEEPGRAM_BASE_URL": stt.url,
            "LIVEKIT_URL": livekit_server.url,
            "LIVEKIT_API_KEY": livekit_server.api_key,
            "LIVEKIT_API_SECRET": livekit_server.api_secret,
        },
    )
    try:
        yield app
    finally:
        app.stop()
        stt.stop_thread()
        llm.stop_thread()


@pytest.fixture
def speaking_browser(browser, tmp_path):
    """Chromium whose microphone says ANSWER."""
    instance = speaking_chromium(browser, tmp_path, ANSWER)
    yield instance
    instance.close()


def _open(browser, init_script: str | None = None):
    """A fresh browser window with the microphone allowed; returns (context, page)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["microphone"])
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    return context, page


def _start_voice(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Target role").fill("Backend Engineer")
    page.get_by_label("Voice (LiveKit)").check()
    page.get_by_role("button", name="Start interview").click()


def test_a_voice_interview_in_the_browser_through_a_real_server(speaking_browser, voice_app, shots):
    context, page = _open(speaking_browser)
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    _start_voice(page, voice_app.url)
    room = page.locator("#mf-room")
    _wait(
        page,
        "() => document.querySelector('#mf-room .mf-room-status')?.dataset.kind === 'ok'",
        app=voice_app,
    )

    # the interviewer greets: its words as captions while it speaks, its audio in the page
    _wait(
        page, "() => (document.querySelector('#mf-room .mf-caption-them span')?.textContent ?? '')"
    )
    _wait(page, "() => document.querySelectorAll('#mf-room .mf-audio audio').length >= 1")
    _wait(page, "() => document.querySelector('#mf-room .mf-level-them')?.value > 0")
    state = room.locator(".mf-agent-state").inner_text()
    assert re.search(r"Interviewer: (listening|thinking|speaking|waiting)", state), state
    assert "Connection: " in room.locator(".mf-quality").inner_text()
    assert "under way" in room.locator(".mf-room-status").inner_text()
    _wait(page, "() => document.querySelectorAll('#mf-chat [data-testid=bot]').length >= 1")
    # the same words, live then kept: the caption shows a line the transcript keeps (by
    # the time it is read the interviewer may have moved on to its next line)
    _wait(
        page,
        """() => {
          const caption = (document.querySelector('#mf-room .mf-caption-them span')
            ?.textContent ?? '').trim().slice(0, 20);
          const kept = [...document.querySelectorAll('#mf-chat [data-testid=bot]')]
            .map((bubble) => bubble.innerText.trim());
          return caption.length > 0 && kept.some((text) => text.startsWith(caption));
        }""",
        45000,
    )

    # the candidate speaks: the microphone moves, the answer is transcribed and committed
    _wait(page, "() => document.querySelector('#mf-room .mf-level-you')?.value > 0")
    _wait(page, "() => document.querySelectorAll('#mf-chat [data-testid=user]').length >= 1", 45000)
    assert ANSWER in page.locator("#mf-chat [data-testid='user']").first.inner_text()
    assert room.locator(".mf-caption-you span").inner_text().strip()
    page.screenshot(path=str(shots / "voice-1280.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "voice-375.png"), full_page=True)

    room.get_by_role("button", name="Mute microphone").click()
    assert room.locator(".mf-mute").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="End interview").click()
    page.get_by_role("button", name="Yes, end it").click()
    _wait(
        page,
        "() => document.querySelector('#mf-room .mf-room-status')?.innerText.includes('ended')",
    )
    assert room.locator(".mf-audio audio").count() == 0  # no audio element left behind
    assert eventually(lambda: voice_app.health()["active_sessions"] == 0, timeout=20)
    leaked = [body for body in posted if JWT.search(body)]
    assert not leaked, "the LiveKit token was sent back to the server"
    context.close()


# Headless Chromium here plays audio without a click whatever --autoplay-policy says, so
# the policy phones apply is emulated where the page meets it: play() is refused (as the
# browser refuses it, NotAllowedError) until the person has clicked in the page.
NO_AUTOPLAY_BEFORE_A_CLICK = """(() => {
  let clicked = false;
  addEventListener("click", () => { clicked = true; }, true);
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    if (clicked) return play.call(this);
    return Promise.reject(new DOMException("play() needs a user gesture", "NotAllowedError"));
  };
})();"""


def test_a_reopened_tab_rejoins_the_room_and_blocked_audio_gets_a_button(
    speaking_browser, voice_app
):
    context, page = _open(speaking_browser)
    _start_voice(page, voice_app.url)
    first_words = "() => document.querySelectorAll('#mf-chat [data-testid=bot]').length >= 1"
    _wait(page, first_words, 45000, app=voice_app)
    context.close()  # the browser is closed and opened again, within the grace period; the
    # no click in it yet: the browser holds back the audio
    context, page = _open(speaking_browser, NO_AUTOPLAY_BEFORE_A_CLICK)
    page.goto(voice_app.url)
    room = page.locator("#mf-room")
    _wait(page, "() => document.querySelector('#mf-room .mf-room-status')?.dataset.kind === 'ok'")
    button = room.get_by_role("button", name="Click to hear the interviewer")
    button.wait_for(timeout=15000)
    button.click()
    button.wait_for(state="hidden", timeout=10000)
    # the same interview goes on: the interviewer is heard and the next answer is kept
    before = page.locator("#mf-chat [data-testid='user']").count()
    _wait(page, "() => document.querySelector('#mf-room .mf-level-them')?.value > 0")
    page.wait_for_function(
        "(n) => document.querySelectorAll('#mf-chat [data-testid=user]').length > n",
        arg=before,
        timeout=45000,
    )
    assert voice_app.health()["active_sessions"] == 1
    context.close()


def test_closing_the_browser_ends_the_voice_interview_after_the_grace_transcript_kept(
    speaking_browser, voice_app
):
    context, page = _open(speaking_browser)
    _start_voice(page, voice_app.url)
    _wait(page, "() => document.querySelectorAll('#mf-chat [data-testid=user]').length >= 1", 45000)
    context.close()  # the candidate leaves the room without ending the interview
    # the 20 s grace, then the interviewer's stop, on a machine that may be busy
    assert eventually(lambda: voice_app.health()["active_sessions"] == 0, timeout=90)
    (timeline,) = voice_app.data_dir.glob("sessions/*/events.jsonl")
    events = [json.loads(line) for line in timeline.read_text("utf-8").splitlines()]
    assert events[-1]["type"] == "ended" and events[-1]["reason"] == "user_ended"
    turns = [e for e in events if e["type"] == "turn"]
    assert any(t["role"] == "candidate" and ANSWER in t["text"] for t in turns)
