"""History tab with two past interviews: named pickers, a comparison with arrows and words,
deletion that asks first, and the keyboard on the set-up's radio groups."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mockflow.config import Settings
from mockflow.contracts.ids import LOCAL_USER_ID
from mockflow.store.db import Store
from tests.app_process import AppProcess

pytestmark = pytest.mark.browser
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _report(session_id: str, started: float, filler: float, overall: float) -> dict:
    return {
        "session": {
            "session_id": session_id,
            "role": "Data Engineer",
            "track": "behavioral",
            "started_at": started,
        },
        "analytics": {
            "filler_rate": {"value": filler},
            "pace_wpm": {"value": None},
            "think_time_median": {"value": None},
            "answers": [{}, {}, {}],
        },
        "rubric": {
            "overall": overall,
            "competencies": [{"name": "structure", "title": "Structure (STAR)", "score": overall}],
        },
    }


@pytest.fixture(scope="module")
def app_with_history(tmp_path_factory):
    data = tmp_path_factory.mktemp("history-app")
    store = Store.open(Settings(data_dir=data))
    for day, filler, overall in ((0, 6.0, 2.5), (1, 2.5, 3.5)):
        record = store.create_session(
            LOCAL_USER_ID, role="Data Engineer", track="behavioral", level="mid", mode="text"
        )
        store.set_status(LOCAL_USER_ID, record.id, "running")
        store.set_status(LOCAL_USER_ID, record.id, "completed", end_reason="completed")
        report = _report(record.id, 1.79e9 + day * 86400, filler, overall)
        store.save_feedback(LOCAL_USER_ID, record.id, report)
    store.close()
    app = AppProcess(data, {})
    yield app
    app.stop()


def test_two_interviews_compare_with_arrows_and_delete_asks_first(browser, app_with_history):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_with_history.url)
    page.get_by_role("tab", name="History").click()
    page.wait_for_function(
        "() => document.querySelector('#mf-history')?.innerText.includes('Data Engineer')",
        timeout=15000,
    )
    # the pickers name each interview by date, role and track, not by an id
    picker = page.get_by_label("Earlier pick")
    picker.click()
    options = page.get_by_role("option").all_inner_texts()
    assert len(options) == 2
    assert all("Data Engineer" in o and "Behavioral" in o and "iv_" not in o for o in options)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Compare").click()
    comparison = page.locator("#mf-compare")
    comparison.get_by_text("Filler").wait_for(timeout=10000)
    text = comparison.inner_text()
    assert "↓" in text and "better" in text  # fewer fillers: down, and said to be better
    assert "↑" in text  # the score rose

    page.locator("#mf-history").get_by_text("Data Engineer").locator("visible=true").first.click()
    page.get_by_role("button", name="Delete").click()
    page.get_by_text("This cannot be undone").wait_for(timeout=5000)
    page.get_by_role("button", name="Keep it").click()
    page.get_by_text("This cannot be undone").wait_for(state="hidden", timeout=5000)
    assert page.locator("#mf-history").inner_text().count("Data Engineer") == 2  # kept
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Yes, delete it").click()
    page.get_by_text("✓ Deleted.").wait_for(timeout=10000)
    assert page.locator("#mf-history").inner_text().count("Data Engineer") == 1

    narrow = browser.new_page(viewport={"width": 375, "height": 800})
    narrow.goto(app_with_history.url)
    narrow.get_by_role("tab", name="History").click()
    narrow.get_by_text("Progress over time").wait_for(timeout=10000)
    assert narrow.evaluate(NO_SIDEWAYS_SCROLL)


def test_radio_groups_answer_the_arrow_keys(browser, app_with_history):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_with_history.url)
    page.wait_for_function(  # the page's script has grouped every radio group
        "() => [...document.querySelectorAll('input[type=radio]')]"
        ".every(r => r.name.startsWith('mf-radio-'))",
        timeout=15000,
    )
    mid, senior = page.get_by_role("radio", name="Mid"), page.get_by_role("radio", name="Senior")
    entry = page.get_by_role("radio", name="Entry")
    expect(mid).to_be_checked()
    mid.focus()
    page.keyboard.press("ArrowRight")
    expect(senior).to_be_checked()
    expect(senior).to_have_attribute("aria-checked", "true")  # Gradio's own state followed
    assert page.evaluate("() => document.activeElement.value") == "senior"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(entry).to_be_checked()
    page.keyboard.press("ArrowLeft")  # round the group, as native radio buttons do
    expect(senior).to_be_checked()
