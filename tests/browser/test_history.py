"""History tab: one chart per measure (a single interview drawn as a point), a finished
interview listed and charted without Refresh, a table that fits a phone; with two past
interviews, named pickers, a comparison with arrows and words, deletion that asks first,
and the keyboard on the set-up's radio groups."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mockflow.config import Settings
from mockflow.contracts.ids import LOCAL_USER_ID
from mockflow.store.db import Store
from tests.app_process import AppProcess

pytestmark = pytest.mark.browser
TABLE_CUT = """() => {
    const table = document.querySelector('#mf-history');
    const right = Math.min(table.getBoundingClientRect().right, window.innerWidth) + 1;
    const shown = (c) => c.offsetParent && c.innerText.trim();
    const cells = [...table.querySelectorAll('th, td')].filter(shown);
    const texts = [...table.querySelectorAll('th .header-content, td .cell-wrap')].filter(shown);
    return [
        ...cells.filter(c => c.getBoundingClientRect().right > right),
        ...texts.filter(t => t.scrollWidth > t.clientWidth + 1),
    ].map(c => c.innerText);
}"""
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


def test_two_interviews_compare_with_arrows_and_delete_asks_first(browser, app_with_history, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_with_history.url)
    page.get_by_role("tab", name="History").click()
    page.wait_for_function(
        "() => document.querySelector('#mf-history')?.innerText.includes('Data Engineer')",
        timeout=30000,
    )
    # one chart per measure, each on its own axis: two interviews draw lines
    expect(page.locator("#mf-chart-filler_rate")).to_be_visible(timeout=30000)
    expect(page.locator("#mf-chart-overall")).to_be_visible(timeout=30000)
    assert _chart_shown(page, "filler_rate") == "line" and _chart_shown(page, "overall") == "line"
    assert _chart_shown(page, "pace_wpm") == "words"  # never measured: said, not drawn
    page.screenshot(path=str(shots / "history-1280.png"), full_page=True)
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
    narrow.get_by_text("Progress over time").wait_for(timeout=30000)
    expect(narrow.locator("#mf-history")).to_contain_text("completed", timeout=30000)
    # one interview left: its figures are points
    expect(narrow.locator("#mf-points-filler_rate")).to_be_visible(timeout=30000)
    expect(
        narrow.locator("#mf-points-filler_rate canvas, #mf-points-filler_rate svg").first
    ).to_be_visible(timeout=30000)
    narrow.screenshot(path=str(shots / "history-375.png"), full_page=True)
    assert narrow.evaluate(NO_SIDEWAYS_SCROLL)
    cut = narrow.evaluate(TABLE_CUT)
    assert not cut, f"cut off at 375 px: {cut}"  # every column, Status included, in full


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


def _chart_shown(page, measure: str) -> str:
    """Which of a measure's three forms shows: 'line', 'points' or 'words'."""
    return page.evaluate(
        """(key) => {
            const shown = (id) => {
                const el = document.getElementById(id);
                return !!el && el.offsetParent !== null && el.getBoundingClientRect().height > 0;
            };
            if (shown('mf-chart-' + key)) return 'line';
            if (shown('mf-points-' + key)) return 'points';
            if (shown('mf-missing-' + key)) return 'words';
            return 'none';
        }""",
        measure,
    )


def test_a_finished_interview_is_listed_and_charted_without_refresh(browser, local_app, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(local_app.url)
    page.get_by_label("Your name").fill("Hana")
    page.get_by_label("Target role").fill("Chart Reader")
    page.get_by_role("button", name="Start interview").click()
    bot = "#mf-chat [data-testid=bot]"
    page.wait_for_function(f"() => document.querySelectorAll('{bot}').length >= 1", timeout=30000)
    page.locator("#mf-answer textarea").fill("Um, yes, I am, like, ready. Thanks for having me.")
    page.locator("#mf-send").click()
    page.wait_for_function(f"() => document.querySelectorAll('{bot}').length >= 2", timeout=30000)
    # History seen while it runs: the interview is listed as running, no chart yet
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#mf-history")).to_contain_text("running now", timeout=30000)
    page.get_by_role("tab", name="Interview").click()
    page.get_by_role("button", name="End interview").click()
    page.get_by_role("button", name="Yes, end it").click()
    page.wait_for_function(
        "() => document.querySelector('#mf-stage-bar')?.innerText.includes('You ended')",
        timeout=30000,
    )
    # the list and the charts follow the end on their own, tab not re-selected, no Refresh
    history = page.locator("#mf-history")
    expect(history).to_contain_text("ended by you", timeout=45000)
    expect(page.locator("#mf-progress-note")).to_contain_text("1 interview(s)", timeout=45000)
    page.get_by_role("tab", name="History").click()
    expect(history).to_contain_text("Chart Reader")
    assert "running now" not in history.inner_text()
    # one interview: each measured figure is a point, each unmeasured one says so
    expect(page.locator("#mf-points-filler_rate")).to_be_visible(timeout=30000)
    assert _chart_shown(page, "filler_rate") == "points"
    expect(
        page.locator("#mf-points-filler_rate canvas, #mf-points-filler_rate svg").first
    ).to_be_visible(timeout=30000)
    for measure in ("pace_wpm", "think_time_median"):  # text mode measures no timing
        assert _chart_shown(page, measure) == "words"
    expect(page.locator("#mf-missing-pace_wpm")).to_contain_text("voice interviews only")
    assert _chart_shown(page, "overall") == "words"  # no scores generated
    page.screenshot(path=str(shots / "history-one-interview-1280.png"), full_page=True)
