"""A whole text-mode interview through the UI, in headless Chromium, against the fake LLM."""

from __future__ import annotations

import time

import pytest

from tests.fakes.openai_server import text

pytestmark = pytest.mark.browser

ANSWERS = [
    "Yes, ready. Thanks for having me.",
    "I'm a backend engineer; I build payment systems in Python and Go.",
    "I led our ledger migration to Postgres and halved reconciliation time.",
    "I like direct feedback, for example detailed design reviews.",
    "No questions from me, thank you.",
]


def _bot_count(page) -> int:
    return page.locator("#mf-chat [data-testid='bot']").count()


def _stage_bar(page) -> str:
    return page.locator("#mf-stage-bar").inner_text()


def _start(page, url: str, name: str, role: str) -> None:
    """Set up and start a text interview; return once the interviewer has spoken."""
    page.goto(url)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Target role").fill(role)
    page.get_by_role("button", name="Start interview").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#mf-chat [data-testid=bot]').length >= 1",
        timeout=20000,
    )


def _wait_for_bar(page, text: str, timeout: float = 20000) -> None:
    page.wait_for_function(
        "(text) => document.querySelector('#mf-stage-bar')?.innerText.includes(text)",
        arg=text,
        timeout=timeout,
    )


def test_text_interview_from_setup_to_feedback(browser, local_app, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(local_app.url)
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Target role").fill("Backend Engineer")
    page.screenshot(path=str(shots / "setup-1280.png"), full_page=True)
    page.get_by_role("button", name="Start interview").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#mf-chat [data-testid=bot]').length >= 1",
        timeout=20000,
    )
    assert "Now: Greeting" in _stage_bar(page)
    seen_current = set()
    deadline = time.monotonic() + 90
    answered = 0
    while "interview is complete" not in _stage_bar(page) and time.monotonic() < deadline:
        seen_current.add(_stage_bar(page).split("Now: ")[-1].split(" ·")[0])
        if _bot_count(page) > answered and page.locator("#mf-send").is_enabled():
            time.sleep(1.2)  # a person takes a moment; the guards need it too
            page.locator("#mf-answer textarea").fill(ANSWERS[answered % len(ANSWERS)])
            page.locator("#mf-send").click()
            answered += 1
            if answered == 2:
                page.screenshot(path=str(shots / "interview-1280.png"), full_page=True)
        page.wait_for_timeout(200)
    bar = _stage_bar(page)
    assert "interview is complete" in bar
    assert {"Greeting", "Self-introduction", "Past experience"} <= seen_current
    assert bar.count("✓") == 5  # every stage marked done, in text as well as colour
    assert not page.locator("#mf-send").is_enabled()
    assert page.locator("#mf-chat [data-testid='user']").count() == answered

    page.get_by_role("tab", name="Feedback").click()
    report = page.locator("#mf-report")
    report.get_by_text("Delivery (measured)").wait_for(timeout=15000)
    assert "need a voice interview" in report.inner_text()  # no pace from typed answers
    # no scores were generated, and still there is advice, measured from the answers
    assert "Measured from your transcript: answer" in report.inner_text().split("Your answers")[0]
    page.get_by_role("button", name="Transcript").click()
    transcript = page.locator("#mf-transcript")
    transcript.get_by_text("Interviewer:").first.wait_for(timeout=10000)
    assert ANSWERS[1] in transcript.inner_text()
    assert "Past experience" in transcript.inner_text()
    page.screenshot(path=str(shots / "feedback-1280.png"), full_page=True)
    page.get_by_role("tab", name="History").click()
    page.get_by_role("button", name="Refresh").click()
    page.wait_for_function(
        "() => document.querySelector('#mf-history')?.innerText.includes('Backend Engineer')",
        timeout=10000,
    )
    assert "completed" in page.locator("#mf-history").inner_text()
    page.screenshot(path=str(shots / "history-1280.png"), full_page=True)
    assert local_app.health()["active_sessions"] == 0

    narrow = browser.new_page(viewport={"width": 375, "height": 800})
    narrow.goto(local_app.url)
    narrow.get_by_label("Your name").wait_for()
    for tab in ("Setup", "Interview", "Feedback", "History", "Settings"):
        narrow.get_by_role("tab", name=tab).click(timeout=5000)  # all five fit on a phone
        narrow.screenshot(path=str(shots / f"{tab.lower()}-375.png"), full_page=True)
    width = narrow.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone


def test_skip_asks_first_and_moves_forward(browser, local_app):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _start(page, local_app.url, "Ben", "Data Analyst")
    page.get_by_role("button", name="Skip this stage").click()
    page.get_by_role("button", name="Keep going").first.click()
    assert "Now: Greeting" in _stage_bar(page)
    page.get_by_role("button", name="Skip this stage").click()
    page.get_by_role("button", name="Yes, skip").click()
    _wait_for_bar(page, "Now: Self-introduction")
    page.get_by_role("button", name="End interview").click()
    page.get_by_role("button", name="Yes, end it").click()
    _wait_for_bar(page, "You ended")


def test_unreadable_resume_gets_a_clear_message(browser, local_app, tmp_path):
    fake_pdf = tmp_path / "resume.pdf"
    fake_pdf.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)  # a PNG renamed .pdf
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(local_app.url)
    page.locator("input[type=file]").set_input_files(str(fake_pdf))
    page.get_by_text("Could not read resume.pdf").wait_for(timeout=15000)
    assert "Traceback" not in page.content()
    paste = page.locator("#mf-resume-paste textarea")  # the way on: paste the text instead
    paste.fill("I led the billing migration at Cartwheel and cut failed runs to zero.")
    page.get_by_text("Using the 13 words you pasted").wait_for(timeout=10000)


def test_page_refresh_reattaches_to_the_running_interview(browser, local_app):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _start(page, local_app.url, "Cleo", "Product Designer")
    first_question = page.locator("#mf-chat [data-testid='bot']").first.inner_text()
    page.reload()
    # lands on the Interview tab by itself, attached to the same interview
    page.locator("#mf-chat [data-testid='bot']").first.wait_for(timeout=15000)
    assert page.locator("#mf-chat [data-testid='bot']").first.inner_text() == first_question
    assert page.get_by_role("tab", name="Interview").get_attribute("aria-selected") == "true"
    second = browser.new_page(viewport={"width": 375, "height": 800})  # another tab
    second.goto(local_app.url)
    second.locator("#mf-chat [data-testid='bot']").first.wait_for(timeout=15000)
    assert second.locator("#mf-chat [data-testid='bot']").first.inner_text() == first_question
    second.get_by_role("tab", name="Setup").click()
    assert not second.get_by_role("button", name="Start interview").is_enabled()
    assert "An interview of yours is running" in second.locator("#mf-running-note").inner_text()
    assert local_app.health()["active_sessions"] == 1
    page.get_by_role("button", name="End interview").click()
    page.get_by_role("button", name="Yes, end it").click()
    _wait_for_bar(page, "You ended")
    page.get_by_role("button", name="See your feedback").click()
    page.locator("#mf-report").get_by_text("Delivery (measured)").wait_for(timeout=15000)
    page.get_by_role("tab", name="Setup").click()
    assert page.get_by_role("button", name="Start interview").is_enabled()
    second.close()


RECORD_LAST_REPLY = """() => {
  const chat = document.querySelector('#mf-chat');
  window.__seen = [];
  new MutationObserver(() => {
    const bots = chat.querySelectorAll('[data-testid=bot]');
    const bar = (document.querySelector('#mf-stage-bar')?.innerText ?? '');
    window.__seen.push([bots.length, bots.length ? bots[bots.length - 1].innerText.trim() : '',
                        bar.includes('replying')]);
  }).observe(chat, {subtree: true, childList: true, characterData: true});
}"""


def test_the_reply_appears_as_it_is_written_then_as_the_committed_turn(
    browser, local_app, fake_llm
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _start(page, local_app.url, "Dee", "Site Reliability Engineer")
    fake_llm.chunk_delay = 0.15  # a slow model: each reply takes a couple of seconds
    # the reply filter lets a reply through a sentence at a time: a reply of a few sentences
    fake_llm.enqueue(
        text("Thanks, that helps. I'd like to understand your part in it. What did you own?")
    )
    try:
        page.evaluate(RECORD_LAST_REPLY)
        page.locator("#mf-answer textarea").fill(ANSWERS[0])
        page.locator("#mf-send").click()
        # the committed turn: the chat holds two interviewer messages, and no draft is left
        page.wait_for_function(
            "() => document.querySelectorAll('#mf-chat [data-testid=bot]').length >= 2"
            " && !(document.querySelector('#mf-stage-bar')?.innerText ?? '').includes('replying')"
            " && !(document.querySelector('#mf-stage-bar')?.innerText ?? '').includes('thinking')",
            timeout=30000,
        )
        final = page.locator("#mf-chat [data-testid='bot']").nth(1).inner_text().strip()
        seen = page.evaluate("() => window.__seen")
    finally:
        fake_llm.chunk_delay = 0.0
    growing = [text for count, text, _ in seen if count == 2 and text and text != final]
    assert growing, "the reply only appeared whole"
    assert all(final.startswith(text) for text in growing)  # pieces of this same reply
    assert any(replying for count, _, replying in seen if count == 2)  # said in words too
    page.get_by_role("button", name="End interview").click()
    page.get_by_role("button", name="Yes, end it").click()
    _wait_for_bar(page, "You ended")


COMPOSING_ENTER = """() => {
  const box = document.querySelector('#mf-answer textarea');
  const enter = new KeyboardEvent('keydown',
    {key: 'Enter', code: 'Enter', isComposing: true, bubbles: true, cancelable: true});
  box.dispatchEvent(enter);
  return enter.defaultPrevented;
}"""


def test_enter_sends_and_shift_enter_starts_a_new_line(browser, local_app):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _start(page, local_app.url, "Ivo", "QA Engineer")
    box = page.locator("#mf-answer textarea")
    assert "Enter sends; Shift+Enter starts a new line" in (box.get_attribute("placeholder") or "")
    box.click()
    page.keyboard.type("First line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert box.input_value() == "First line\nsecond line"  # a new line, nothing sent
    assert page.evaluate(COMPOSING_ENTER) is False  # an input method's Enter is its own
    assert page.locator("#mf-chat [data-testid='user']").count() == 0
    page.keyboard.press("Enter")
    sent = page.locator("#mf-chat [data-testid='user']").first
    sent.wait_for(timeout=30000)
    assert sent.inner_text().split() == ["First", "line", "second", "line"]
    page.wait_for_function(
        "() => document.querySelector('#mf-answer textarea').value === ''", timeout=30000
    )
    page.get_by_role("button", name="End interview").click()
    page.get_by_role("button", name="Yes, end it").click()
    _wait_for_bar(page, "You ended")
