"""A closed tab ends its interview after the grace, not after the 10-minute idle stop;
a refresh within the grace keeps it."""

from __future__ import annotations

import json
import time

import pytest

from tests.app_process import AppProcess
from tests.browser.conftest import FAKE_KEY

pytestmark = pytest.mark.browser
GRACE = 3.0


@pytest.fixture
def app(tmp_path, fake_llm):
    app = AppProcess(
        tmp_path,
        {
            "OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_BASE_URL": fake_llm.base_url,
            "MOCKFLOW_TAB_GRACE_SECONDS": str(GRACE),
        },
    )
    yield app
    app.stop()


def _start(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Your name").fill("Dara")
    page.get_by_label("Target role").fill("QA Engineer")
    page.get_by_role("button", name="Start interview").click()
    page.locator("#mf-chat [data-testid='bot']").first.wait_for(timeout=20000)


def _until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _ended_reasons(data) -> list[str]:
    reasons = []
    for events in sorted(data.glob("sessions/*/events.jsonl")):
        for line in events.read_text("utf-8").splitlines():
            event = json.loads(line)
            if event.get("type") == "ended":
                reasons.append(event["reason"])
    return reasons


def test_closing_the_last_tab_ends_the_interview_after_the_grace(browser, app, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _start(page, app.url)
    assert app.health()["active_sessions"] == 1
    page.reload()  # a refresh is not a close: the interview goes on
    page.locator("#mf-chat [data-testid='bot']").first.wait_for(timeout=15000)
    page.wait_for_timeout(GRACE * 1000 + 1500)
    assert app.health()["active_sessions"] == 1
    closed_at = time.monotonic()
    page.close()
    assert _until(lambda: app.health()["active_sessions"] == 0, timeout=GRACE + 20)
    waited = time.monotonic() - closed_at
    assert waited >= GRACE - 0.5  # not at once: a refresh must be able to come back
    assert _ended_reasons(tmp_path) == ["user_ended"]  # its transcript is kept, ended
    context.close()
