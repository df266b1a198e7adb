"""Skip, End and the phone layout of a text interview, in headless Chromium, against the
fake LLM: End says "ending…" at once and stops the clock; Skip's confirmation shows where
the user is looking; a skipped stage is marked skipped; two questions in a row are two
bubbles; on a phone the question and the answer box are on screen together."""

from __future__ import annotations

import contextlib
import json
import re

import pytest

from tests.browser.conftest import explained_wait

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}

# every text the stage bar shows, in order (the clock is read from these)
RECORD_BAR = """() => {
  const bar = document.querySelector('#mf-stage-bar');
  window.__bars = [bar.innerText];
  new MutationObserver(() => window.__bars.push(bar.innerText))
    .observe(bar, {subtree: true, childList: true, characterData: true});
}"""
# whether the element is drawn wholly inside the window
IN_VIEW = """(shown) => {
  if (!shown || !shown.getClientRects().length) return false;
  const box = shown.getBoundingClientRect();
  return box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight
    && box.right <= window.innerWidth;
}"""
LAST_QUESTION = "#mf-chat .message-row.bot-row"
ANSWER_BOX = "#mf-answer textarea"


def _bubbles(page) -> int:
    return page.locator(LAST_QUESTION).count()


def _wait_bar(page, app, text: str) -> None:
    script = f"() => document.querySelector('#mf-stage-bar').innerText.includes({json.dumps(text)})"
    explained_wait(page, script, app=app)


def _wait_questions(page, app, count: int) -> None:
    """Until the chat shows `count` interviewer bubbles."""
    explained_wait(
        page, f"() => document.querySelectorAll({LAST_QUESTION!r}).length >= {count}", app=app
    )


def _start(page, app, name: str) -> None:
    page.goto(app.url)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Target role").fill("Support Engineer")
    page.get_by_role("button", name="Start interview").click()
    _wait_questions(page, app, 1)


def _end(page, app) -> None:
    page.get_by_role("button", name="End interview").click()
    page.get_by_role("button", name="Yes, end it").click()
    _wait_bar(page, app, "You ended")


def _in_view(page, selector: str) -> bool:
    """Whether the last element `selector` matches is wholly inside the window."""
    return page.locator(selector).last.evaluate(IN_VIEW)


@pytest.fixture
def open_interview(browser, local_app):
    """A page with a text interview started; whatever a test leaves running is ended."""
    pages = []

    def open_(size: dict, name: str):
        page = browser.new_page(viewport=size)
        pages.append(page)
        _start(page, local_app, name)
        return page

    yield open_
    for page in pages:
        with contextlib.suppress(Exception):
            if page.locator("#mf-end").is_enabled():
                _end(page, local_app)
        page.close()


def _interviewer_turns(app) -> list[str]:
    """The interviewer's committed turns in the newest session's timeline."""
    newest = max(app.data_dir.glob("sessions/*/events.jsonl"), key=lambda p: p.stat().st_mtime)
    events = [json.loads(line) for line in newest.read_text("utf-8").splitlines() if line]
    return [e["text"] for e in events if e["type"] == "turn" and e["role"] == "interviewer"]


def test_end_says_ending_at_once_and_the_clock_stops_there(open_interview, local_app, shots):
    page = open_interview(WIDE, "Eva")
    page.evaluate(RECORD_BAR)
    page.get_by_role("button", name="End interview").click()
    page.get_by_role("button", name="Yes, end it").click()
    _wait_bar(page, local_app, "Ending the interview")
    page.screenshot(path=str(shots / "ending-1280.png"))
    if "Ending the interview" in page.locator("#mf-stage-bar").inner_text():
        for button in ("#mf-send", "#mf-skip", "#mf-end"):  # nothing to press meanwhile
            assert not page.locator(button).is_enabled()
    _wait_bar(page, local_app, "You ended")
    bars = page.evaluate("() => window.__bars")
    ending = [bar for bar in bars if "Ending the interview" in bar]
    assert ending and "You ended" not in " ".join(bars[: bars.index(ending[0])])
    clocks = {re.search(r"elapsed (\d+:\d\d)", bar).group(1) for bar in ending}  # type: ignore[union-attr]
    final = re.search(r"elapsed (\d+:\d\d)", bars[-1]).group(1)  # type: ignore[union-attr]
    assert clocks == {final}  # stopped when End was confirmed, and stays there
    assert "(ended early)" in bars[-1]  # the stage it cut short is not marked done
    page.screenshot(path=str(shots / "ended-1280.png"))


@pytest.mark.parametrize("size", [WIDE, PHONE], ids=["1280", "375"])
def test_skip_asks_in_view_then_marks_the_stage_skipped_in_its_own_bubbles(
    open_interview, local_app, shots, size
):
    page = open_interview(size, "Sam")
    page.get_by_role("button", name="Skip this stage").click()
    # the question and its answers are where the user is looking, "Keep going" focused
    yes = page.get_by_role("button", name="Yes, skip").element_handle(timeout=30000)
    page.wait_for_function(IN_VIEW, arg=yes, timeout=30000)
    assert _in_view(page, "#mf-skip-confirm-no")
    assert page.evaluate("() => document.activeElement?.id") == "mf-skip-confirm-no"
    page.screenshot(path=str(shots / f"skip-confirm-{size['width']}.png"))
    page.get_by_role("button", name="Yes, skip").click()
    # the greeting went unanswered: its question and the next stage's are two turns
    _wait_bar(page, local_app, "Now: Self-introduction")
    messages = "() => document.querySelectorAll('#mf-chat [data-testid=bot]').length >= 2"
    explained_wait(page, messages, app=local_app)
    assert _bubbles(page) == page.locator("#mf-chat [data-testid='bot']").count() == 2
    assert len(_interviewer_turns(local_app)) == 2  # two turns upstream too, never joined
    bar = page.locator("#mf-stage-bar")
    assert bar.locator(".mf-skipped").count() == 1 and bar.locator(".mf-done").count() == 0
    skipped = bar.locator(".mf-skipped")
    assert "↷" in skipped.inner_text()  # on a phone the mark alone is drawn...
    assert re.sub(r"\s+", " ", skipped.text_content()).strip() == "↷ Greeting (skipped)"
    if size is WIDE:  # ...and on a wide screen the words too
        assert "↷ Greeting (skipped)" in bar.inner_text()
    page.screenshot(path=str(shots / f"skipped-{size['width']}.png"))
    _end(page, local_app)


def test_on_a_phone_the_question_and_the_answer_box_are_on_screen_together(
    open_interview, local_app, shots
):
    page = open_interview(PHONE, "Noor")
    assert _in_view(page, LAST_QUESTION) and _in_view(page, ANSWER_BOX)
    assert _in_view(page, "#mf-stage-bar")  # where the interview is, too
    page.screenshot(path=str(shots / "interview-375.png"))
    page.locator(ANSWER_BOX).fill("Ready when you are.")
    page.locator("#mf-send").click()
    _wait_questions(page, local_app, 2)
    assert _in_view(page, LAST_QUESTION) and _in_view(page, ANSWER_BOX)
    page.screenshot(path=str(shots / "interview-answered-375.png"))
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling
    _end(page, local_app)
