"""A coach and their clients in real browsers, behind a public link (issue 16).

The coach opens the one-time admin link the app printed on its console, saves their keys
and creates a sponsored practice link with two must-ask questions and a quota of one
interview. A candidate with no keys opens the link in another browser, sees the set-up
locked and what the coach will see, runs a text interview on the coach's key (the fake
model accepts no other), and shares the report; the coach sees it, compares and exports
it. A second candidate is refused by the quota; a withdrawn share leaves the coach's
console; a tampered and an expired link read "does not exist". Every response and
download the candidates received, and every file the app wrote, is scanned for the
coach's key.

A second client holds a voice interview through a link, in a browser whose microphone
speaks, over a real LiveKit server, on the coach's LiveKit and OpenAI keys.
"""

from __future__ import annotations

import base64
import re
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from tests.app_process import LIVEKIT_JS, AppProcess
from tests.browser.conftest import explained_wait, speaking_chromium
from tests.fakes import speech
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.waiting import eventually

# a whole coach-to-client flow with an interview in it: minutes on a loaded 2-core machine
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
COACH_KEY = "sk-coach-practice-key-5309"
QUESTIONS = [
    "Tell me about a data pipeline you owned end to end.",
    "How do you make sure a SQL change is safe before it ships?",
]
NOT_FOUND = "This practice link does not exist."


@pytest.fixture
def coach_llm():
    server = FakeOpenAI(api_key=COACH_KEY, responder=ScriptedInterviewer(answers_per_stage=1))
    server.start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture
def public_app(tmp_path, coach_llm):
    # a link that was live when made and expired a second later (the store's own clock)
    store = Store.open(Settings(data_dir=tmp_path))
    expired = store.create_practice_link(
        new_browser_id(),
        title="Last month's screen",
        setup={"role": "Data Engineer", "track": "behavioral"},
        expires_at=time.time() + 1.0,
    )
    store.close()
    app = AppProcess(
        tmp_path,
        {
            "MOCKFLOW_PUBLIC": "1",
            "MOCKFLOW_STAGE_SCALE": "0.05",
            "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": urlsplit(coach_llm.base_url).netloc,
        },
    )
    app.expired_link = app.url + "?practice=" + expired.id  # type: ignore[attr-defined]
    yield app
    app.stop()


class Visitor:
    """One browser context; keeps the body of every response it received."""

    def __init__(self, browser, url: str, width: int = 1280, microphone: bool = False) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        if microphone:
            self.context.grant_permissions(["microphone"])
        self.page = self.context.new_page()
        self.responses: list = []
        self.page.on("response", lambda response: self.responses.append(response))
        self.streamed: list[bytes] = []  # what the server's event streams carried
        self._follow_event_streams()
        self.page.goto(url)
        self.page.get_by_label("Your name").wait_for()

    def _follow_event_streams(self) -> None:
        """Gradio sends every event's output on a fetch event stream, whose body the page
        API cannot read; Chromium's DevTools protocol streams it to us as it arrives."""
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")

        def on_response(event: dict) -> None:
            if "event-stream" not in event["response"].get("mimeType", ""):
                return
            request = {"requestId": event["requestId"]}
            try:
                sent = cdp.send("Network.streamResourceContent", request)
                self.streamed.append(base64.b64decode(sent.get("bufferedData", "")))
            except PlaywrightError:  # a short stream finished before it could be followed
                body = cdp.send("Network.getResponseBody", request)
                raw = body.get("body", "")
                self.streamed.append(
                    base64.b64decode(raw) if body.get("base64Encoded") else raw.encode()
                )

        def on_data(event: dict) -> None:
            if event.get("data"):
                self.streamed.append(base64.b64decode(event["data"]))

        cdp.on("Network.responseReceived", on_response)
        cdp.on("Network.dataReceived", on_data)

    def seen(self) -> str:
        """Every response body it received, what its event streams carried, and every
        tab's page as rendered."""
        bodies = []
        for response in self.responses:
            if "event-stream" in (response.headers.get("content-type") or ""):
                continue
            try:
                bodies.append(response.text())
            except Exception:  # redirects have no body
                continue
        bodies.append(b"".join(self.streamed).decode("utf-8", errors="replace"))
        for name in ("Setup", "Interview", "Feedback", "History", "Settings"):
            self.page.get_by_role("tab", name=name).click()
            self.page.wait_for_timeout(300)
            bodies.append(self.page.content())
        return "\n".join(bodies)


def _admin_link(app: AppProcess) -> str:
    printed = (app.data_dir / "app.log").read_text("utf-8")
    found = re.search(r"/\?coach_invite=(\S+)", printed)
    assert found, "the app printed no coach admin link"
    return app.url + "?coach_invite=" + found.group(1)


def _create_link(page, *, title: str, quota: int, voice: bool = False) -> str:
    page.get_by_role("tab", name="Coach").click()
    page.get_by_label("Title your client sees").fill(title)
    page.locator("#mf-coach-role textarea, #mf-coach-role input").first.fill("Data Engineer")
    page.get_by_label("Questions the interviewer must ask", exact=False).fill("\n".join(QUESTIONS))
    page.get_by_label("Pay with my keys (Settings): clients need no keys of their own").check()
    page.get_by_label("Interviews through this link (0: no limit)").fill(str(quota))
    if voice:
        page.get_by_role("checkbox", name="Voice", exact=True).check()
    page.get_by_role("button", name="Create practice link").click()
    explained_wait(
        page,
        "() => (document.querySelector('#mf-coach-link textarea, #mf-coach-link input') "
        "|| {}).value?.startsWith('http')",
    )
    return page.locator("#mf-coach-link textarea, #mf-coach-link input").first.input_value()


def _run_text_interview(page) -> None:
    page.get_by_role("button", name="Start interview").click()
    explained_wait(page, "() => document.querySelector('#mf-chat [data-testid=bot]')")
    answered, deadline = 0, time.monotonic() + 120
    while "interview is complete" not in page.locator("#mf-stage-bar").inner_text():
        assert time.monotonic() < deadline, "the interview did not complete"
        bots = page.locator("#mf-chat [data-testid=bot]").count()
        if bots > answered and page.locator("#mf-send").is_enabled():
            page.wait_for_timeout(1200)  # a person takes a moment; the stage guards need it
            page.locator("#mf-answer textarea").fill(
                f"I owned an Airflow pipeline and tested every SQL change in dbt ({answered})."
            )
            page.locator("#mf-send").click()
            answered += 1
        page.wait_for_timeout(200)


def test_a_coachs_practice_link_from_creation_to_a_shared_report(
    browser, public_app, coach_llm, shots
):
    app = public_app
    coach = Visitor(browser, _admin_link(app))
    # the admin link made this visitor the coach, and left the address bar
    coach.page.get_by_role("tab", name="Coach").wait_for(timeout=30000)
    assert "coach_invite" not in coach.page.url
    coach.page.get_by_role("tab", name="Settings").click()
    coach.page.get_by_label("OpenAI API key").fill(COACH_KEY)
    coach.page.get_by_label("OpenAI-compatible base URL (optional)").fill(coach_llm.base_url)
    coach.page.get_by_role("button", name="Save keys").click()
    coach.page.get_by_text("Saved.").wait_for(timeout=30000)
    link = _create_link(coach.page, title="Acme data screen", quota=1)
    assert re.fullmatch(re.escape(app.url) + r"\?practice=pl_[A-Za-z0-9_-]{22}", link)

    # a candidate with no keys: the set-up is the coach's, locked; no keys are asked for
    ana = Visitor(browser, link)
    banner = ana.page.locator("#mf-practice-banner")
    banner.get_by_text("Practice link: Acme data screen").wait_for(timeout=30000)
    assert "What your coach will see" in banner.inner_text()
    assert "you need no keys" in banner.inner_text()
    role = ana.page.get_by_label("Target role")
    assert role.input_value() == "Data Engineer" and role.is_disabled()
    assert not ana.page.locator(".mf-notice", has_text="add your keys").is_visible()
    assert ana.page.get_by_role("tab", name="Coach").count() == 0 or not (
        ana.page.get_by_role("tab", name="Coach").is_visible()
    )
    ana.page.screenshot(path=str(shots / "practice-link-candidate-1280.png"), full_page=True)
    ana.page.get_by_label("Your name").fill("Ana")
    _run_text_interview(ana.page)
    # the coach's questions were asked, and only the coach's key was accepted
    asked = " ".join(str(r.get("messages")) for r in coach_llm.requests)
    assert all(q in asked for q in QUESTIONS)

    # Ana's report is hers until she shares it
    ana.page.get_by_role("button", name="See your feedback").click()
    note = ana.page.locator("#mf-share-note")
    note.get_by_text("Your coach cannot see it").wait_for(timeout=30000)
    coach.page.get_by_role("tab", name="Setup").click()
    coach.page.get_by_role("tab", name="Coach").click()
    coach.page.locator("#mf-coach-compare").get_by_text("No candidate has shared").wait_for()
    ana.page.get_by_role("button", name="Share with my coach").click()
    note.get_by_text("Shared with your coach").wait_for(timeout=30000)
    ana.page.screenshot(path=str(shots / "practice-link-shared-1280.png"))

    # the coach sees it: in the comparison, opened, and as files
    coach.page.get_by_role("tab", name="Setup").click()
    coach.page.get_by_role("tab", name="Coach").click()
    table = coach.page.locator("#mf-coach-compare table")
    table.get_by_text("Ana").wait_for(timeout=30000)
    usage = coach.page.locator("#mf-coach-usage").inner_text()
    assert "Interviews: 1 of 1" in usage and "Shared reports: 1" in usage
    # the figures the agent reported, recorded when the app saw its process end
    tokens_in, tokens_out = coach_llm.usage_totals()
    expected = f"Model tokens: {tokens_in:,} in, {tokens_out:,} out"
    deadline = time.monotonic() + 20
    while expected not in coach.page.locator("#mf-coach-usage").inner_text():
        assert time.monotonic() < deadline, coach.page.locator("#mf-coach-usage").inner_text()
        coach.page.get_by_role("tab", name="Setup").click()  # opening the tab re-reads it
        coach.page.get_by_role("tab", name="Coach").click()
        coach.page.wait_for_timeout(500)
    coach.page.get_by_role("button", name="Open", exact=True).click()
    report = coach.page.locator("#mf-coach-report")
    report.get_by_text("Interview feedback").wait_for(timeout=30000)
    assert "Airflow pipeline" in report.inner_text()
    coach.page.set_viewport_size({"width": 375, "height": 800})
    coach.page.screenshot(path=str(shots / "coach-console-375.png"), full_page=True)
    assert coach.page.evaluate("document.documentElement.scrollWidth") <= 375
    coach.page.set_viewport_size({"width": 1280, "height": 900})
    with coach.page.expect_download() as csv_download:
        coach.page.get_by_text("Figures of all shared reports (CSV)").click()
    figures = Path(csv_download.value.path()).read_text("utf-8")
    assert figures.splitlines()[0].startswith("candidate,shared_at,interview_minutes")
    assert figures.splitlines()[1].startswith("Ana,")

    # the quota of one: a second candidate is refused, and nothing runs
    requests_before = len(coach_llm.requests)
    ben = Visitor(browser, link, width=375)
    ben.page.locator("#mf-practice-banner").wait_for(timeout=30000)
    ben.page.get_by_label("Your name").fill("Ben")
    ben.page.get_by_role("button", name="Start interview").click()
    ben.page.get_by_text("This practice link has no interviews left.").wait_for(timeout=30000)
    assert len(coach_llm.requests) == requests_before

    # withdrawal removes the coach's access
    ana.page.get_by_role("button", name="Stop sharing").click()
    note.get_by_text("Your coach cannot see it").wait_for(timeout=30000)
    coach.page.get_by_role("tab", name="Setup").click()
    coach.page.get_by_role("tab", name="Coach").click()
    coach.page.locator("#mf-coach-compare").get_by_text("No candidate has shared").wait_for()

    # a tampered id, and an expired link (made through the coach's API with a short life),
    # read the same; neither page says more
    tampered = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    eve = Visitor(browser, tampered)
    eve.page.locator("#mf-practice-banner").get_by_text(NOT_FOUND).wait_for(timeout=30000)
    late = Visitor(browser, app.expired_link)
    late.page.locator("#mf-practice-banner").get_by_text(NOT_FOUND).wait_for(timeout=30000)
    assert "Last month" not in late.page.content()

    # the key-leak scan: nothing a candidate received, downloaded or could open holds
    # the coach's key, and no file the app wrote holds it in plain text
    streamed = b"".join(ana.streamed).decode("utf-8", errors="replace")
    assert "Airflow pipeline" in streamed  # the event streams were read: the scan sees them
    for visitor in (ana, ben, eve):
        assert COACH_KEY not in visitor.seen()
    for fmt in ("md", "html", "json"):
        href = ana.page.locator(f"#mf-downloads a[href*='.{fmt}']").first.get_attribute("href")
        body = urllib.request.urlopen(app.url + href, timeout=10).read().decode("utf-8")
        assert "Ana" in body or fmt == "json"
        assert COACH_KEY not in body
    written = [p for p in app.data_dir.rglob("*") if p.is_file()]
    assert len(written) > 5
    for path in written:
        assert COACH_KEY.encode() not in path.read_bytes(), path
    for visitor in (coach, ana, ben, eve, late):
        visitor.context.close()


VOICE_ANSWER = "I owned the nightly billing pipeline and its tests."


@pytest.fixture
def voice_public_app(tmp_path, coach_llm, livekit_server):
    """A public app with no keys of its own: the coach will save theirs, for the model,
    speech-to-text and the voice (the fake OpenAI) and a real LiveKit server. (On a public
    link a Deepgram key only ever goes to Deepgram itself, which no test can reach.)"""
    coach_llm.transcript = VOICE_ANSWER
    hosts = (urlsplit(coach_llm.base_url).netloc, urlsplit(livekit_server.url).netloc)
    app = AppProcess(
        tmp_path,
        {"MOCKFLOW_PUBLIC": "1", "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": ",".join(hosts)},
    )
    yield app
    app.stop()


@pytest.mark.livekit
@pytest.mark.skipif(not LIVEKIT_JS.is_file(), reason="npm livekit-client not installed")
@pytest.mark.skipif(not speech.tools_available(), reason="needs espeak-ng and sox")
def test_a_client_without_keys_holds_a_voice_interview_on_the_coachs_keys(
    browser, voice_public_app, coach_llm, livekit_server, tmp_path, shots
):
    app = voice_public_app
    coach = Visitor(browser, _admin_link(app))
    coach.page.get_by_role("tab", name="Coach").wait_for(timeout=30000)
    coach.page.get_by_role("tab", name="Settings").click()
    fields = {
        "OpenAI API key": COACH_KEY,
        "OpenAI-compatible base URL (optional)": coach_llm.base_url,
        "LiveKit URL": livekit_server.url,
        "LiveKit API key": livekit_server.api_key,
        "LiveKit API secret": livekit_server.api_secret,
    }
    for label, value in fields.items():
        coach.page.get_by_label(label, exact=True).fill(value)
    coach.page.get_by_label("Use OpenAI for speech-to-text").check()
    coach.page.get_by_role("button", name="Save keys").click()
    coach.page.get_by_text("Saved.").wait_for(timeout=30000)
    link = _create_link(coach.page, title="Acme voice screen", quota=2, voice=True)

    # the client has no keys and a microphone that answers
    (tmp_path / "mic").mkdir()
    speaking = speaking_chromium(browser, tmp_path / "mic", VOICE_ANSWER)
    try:
        ana = Visitor(speaking, link, microphone=True)
        ana.page.locator("#mf-practice-banner").get_by_text("Acme voice screen").wait_for()
        ana.page.get_by_label("Your name").fill("Ana")
        ana.page.get_by_label("Voice (LiveKit)").check()
        ana.page.get_by_role("button", name="Start interview").click()
        page = ana.page
        room_ok = "() => document.querySelector('#mf-room .mf-room-status')?.dataset.kind === 'ok'"
        explained_wait(page, room_ok, 45000, app=app)
        # the interviewer is heard and kept; the client's spoken answer is transcribed
        explained_wait(page, "() => document.querySelector('#mf-room .mf-level-them')?.value > 0")
        explained_wait(
            page, "() => document.querySelectorAll('#mf-chat [data-testid=bot]').length >= 1"
        )
        user_turn = "() => document.querySelectorAll('#mf-chat [data-testid=user]').length >= 1"
        explained_wait(page, user_turn, 45000, app=app)
        assert VOICE_ANSWER in page.locator("#mf-chat [data-testid='user']").first.inner_text()
        page.screenshot(path=str(shots / "practice-voice-1280.png"), full_page=True)
        page.get_by_role("button", name="End interview").click()
        page.get_by_role("button", name="Yes, end it").click()
        ended = "() => document.querySelector('#mf-room .mf-room-status')?.innerText"
        explained_wait(page, ended + ".includes('ended')", app=app)
        assert eventually(lambda: app.health()["active_sessions"] == 0, timeout=20)

        # the coach's model, ears and voice served it, and the link counts the interview
        assert coach_llm.transcriptions and any(r.get("messages") for r in coach_llm.requests)
        coach.page.get_by_role("tab", name="Setup").click()
        coach.page.get_by_role("tab", name="Coach").click()
        usage = coach.page.locator("#mf-coach-usage")
        usage.get_by_text("Interviews: 1 of 2").wait_for(timeout=30000)

        # nothing the client received holds a key or secret of the coach's
        seen = ana.seen()
        for secret in (COACH_KEY, livekit_server.api_secret):
            assert secret not in seen
        ana.context.close()
    finally:
        speaking.close()
    coach.context.close()
