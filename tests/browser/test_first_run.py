"""First run with no keys. With the app's local models (the default on one's own machine)
an interview starts at once on them, no account asked for; with local models turned off,
the app explains what each mode needs, links Settings, and still shows what a report looks
like, with no stack trace anywhere on the page."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.app_process import AppProcess

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def keyless_app(tmp_path_factory):
    app = AppProcess(tmp_path_factory.mktemp("keyless-app"), {"MOCKFLOW_LOCAL_MODELS": "0"})
    yield app
    app.stop()


def test_first_visit_interviews_on_local_models_with_no_account(
    browser, local_models_dir, tmp_path, shots
):
    """The README's first command: no key anywhere, and the interviewer (the real 0.5B
    model, started by the app on first use) greets and answers in the browser."""
    app = AppProcess(
        tmp_path, {"MOCKFLOW_MODELS_DIR": str(local_models_dir), "MOCKFLOW_OLLAMA_URL": "off"}
    )
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(app.url)
        page.get_by_label("Your name").fill("Dana")
        page.get_by_label("Target role").fill("QA Engineer")
        assert not page.locator("[data-testid=markdown].mf-notice").is_visible()
        page.get_by_role("button", name="Start interview").click()
        first = "() => document.querySelectorAll('#mf-chat [data-testid=bot]').length >= "
        page.wait_for_function(first + "1", timeout=240000)
        page.locator("#mf-answer textarea").fill("Yes, I'm ready. I test payment systems.")
        page.locator("#mf-send").click()
        page.wait_for_function(first + "2", timeout=240000)
        said = page.locator("#mf-chat [data-testid=bot]").all_inner_texts()
        assert all(text.strip() and "{" not in text and "```" not in text for text in said)
        page.screenshot(path=str(shots / "first-run-local.png"), full_page=True)
        page.get_by_role("tab", name="Settings").click()
        page.get_by_label("Local models — no account (runs on this computer)").wait_for()
        assert page.get_by_label("Local models — no account (runs on this computer)").is_checked()
        page.get_by_text("Local language model: Qwen2.5-Coder 0.5B").wait_for(timeout=15000)
        assert "Traceback" not in page.content()
    finally:
        app.stop()


def test_first_visit_without_keys(browser, keyless_app, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(keyless_app.url)
    notice = page.locator("[data-testid=markdown].mf-notice")
    notice.wait_for(timeout=15000)
    text = notice.inner_text()
    assert "Text mode still needs an OpenAI API key" in text
    assert "Voice mode also needs LiveKit" in text
    turn_taking = page.get_by_text("Turn-taking (voice)")
    assert not turn_taking.is_visible()  # a voice-only choice, hidden in text mode
    page.get_by_label("Voice (LiveKit)").check()
    turn_taking.wait_for(state="visible", timeout=10000)
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=markdown].mf-notice')?.innerText ?? '')"
        ".includes('LiveKit URL, API key and secret')",
        timeout=10000,
    )
    page.screenshot(path=str(shots / "first-run-setup.png"), full_page=True)

    # starting anyway says what is missing instead of failing obscurely
    page.get_by_label("Your name").fill("Dana")
    page.get_by_label("Target role").fill("QA Engineer")
    page.get_by_label("Text (type your answers)").check()
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("Add them in the Settings tab").first.wait_for(timeout=10000)
    assert keyless_app.health()["active_sessions"] == 0

    page.get_by_role("button", name="Open Settings").click()
    page.get_by_label("OpenAI API key").wait_for(timeout=5000)
    page.get_by_text("sent only to your own providers").wait_for()

    page.get_by_role("tab", name="Feedback").click()
    page.get_by_role("button", name="Open the sample report").click()
    report = page.locator("#mf-report")
    report.get_by_text("Delivery (measured)").wait_for(timeout=15000)
    assert "words per minute" in report.inner_text()  # the sample has real speech timings
    page.screenshot(path=str(shots / "first-run-sample.png"), full_page=True)
    assert "Traceback" not in page.content()


def test_the_resume_drop_zone_shows_keyboard_focus(browser, keyless_app, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(keyless_app.url)
    zone = page.locator(".upload-container").first
    zone.wait_for(timeout=30000)
    page.get_by_label("Job description (optional)").focus()
    page.keyboard.press("Shift+Tab")  # back from the job description: the drop zone
    assert page.evaluate("() => document.activeElement.classList.contains('upload-container')")
    image = Image.open(io.BytesIO(zone.screenshot(path=str(shots / "resume-focus.png"))))
    box = zone.bounding_box()
    assert box is not None
    ring = sum(1 for pixel in image.convert("RGB").getdata() if _accent(pixel))
    assert ring > box["width"] + box["height"]  # a ring a keyboard user sees, all round


def _accent(pixel: tuple[int, int, int]) -> bool:
    """The focus ring's colour (--mf-accent, #1f3fbf), give or take antialiasing."""
    return all(abs(a - b) < 40 for a, b in zip(pixel, (0x1F, 0x3F, 0xBF), strict=True))


def test_the_coach_tab_waits_until_asked_for(browser, keyless_app, shots):
    """On one's own machine a candidate's tabs are theirs; Settings offers the Coach tab."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(keyless_app.url)
    page.get_by_role("tab", name="Settings").click()
    offer = page.get_by_role("button", name="Show the Coach tab")
    expect(offer).to_be_visible(timeout=30000)  # the page load has run
    expect(page.get_by_role("tab", name="Coach")).to_have_count(0)
    offer.click()
    expect(page.get_by_role("tab", name="Coach", selected=True)).to_be_visible(timeout=30000)
    expect(page.locator("#mf-coach-intro")).to_be_visible(timeout=30000)
    page.screenshot(path=str(shots / "coach-shown-1280.png"), full_page=True)


def test_saving_keys_clears_an_earlier_checks_crosses(browser, keyless_app):
    """Runs last: it saves keys into the keyless app."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(keyless_app.url)
    page.get_by_role("tab", name="Settings").click()
    # a server that is not there: the check says ✗ for it
    page.get_by_label("OpenAI API key").fill("sk-not-a-real-key")
    page.get_by_label("OpenAI-compatible base URL (optional)").fill("http://127.0.0.1:9/v1")
    page.get_by_role("button", name="Check keys").click()
    results = page.locator(".prose.mf-checks")
    expect(results).to_contain_text("✗", timeout=60000)
    page.get_by_role("button", name="Save keys").click()
    expect(page.locator("#mf-settings-message")).to_contain_text("✓ Saved", timeout=30000)
    expect(results).not_to_contain_text("✗", timeout=30000)  # no stale ✗ beside "✓ Saved"
