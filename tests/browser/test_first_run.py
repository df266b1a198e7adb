"""First run with no keys: the app explains what each mode needs, links Settings, and
still shows what a report looks like, with no stack trace anywhere on the page."""

from __future__ import annotations

import pytest

from tests.app_process import AppProcess

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def keyless_app(tmp_path_factory):
    app = AppProcess(tmp_path_factory.mktemp("keyless-app"), {})
    yield app
    app.stop()


def test_first_visit_without_keys(browser, keyless_app, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(keyless_app.url)
    notice = page.locator("[data-testid=markdown].mf-notice")
    notice.wait_for(timeout=15000)
    text = notice.inner_text()
    assert "Text mode still needs an OpenAI API key" in text
    assert "Voice mode also needs LiveKit" in text
    page.get_by_label("Voice (LiveKit)").check()
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
