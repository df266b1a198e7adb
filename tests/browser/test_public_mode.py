"""Public-link mode: two browsers are two users; neither sees the other's keys, interviews
or history, and server keys are never lent to visitors."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.app_process import AppProcess
from tests.browser.conftest import FAKE_KEY, explained_wait

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def public_app(tmp_path_factory, fake_llm):
    data = tmp_path_factory.mktemp("public-app")
    # the server's own key must not serve visitors of a public link
    app = AppProcess(
        data,
        {
            "MOCKFLOW_PUBLIC": "1",
            "OPENAI_API_KEY": "sk-server-own-key-999",
            "MOCKFLOW_STAGE_SCALE": "0.05",
            **_allow(fake_llm),
        },
    )
    yield app
    app.stop()


def _allow(fake_llm) -> dict[str, str]:
    """The operator allows the loopback fake model (a public link refuses private hosts)."""
    return {"MOCKFLOW_ALLOWED_PROVIDER_HOSTS": urlsplit(fake_llm.base_url).netloc}


def _open(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.get_by_label("Your name").wait_for()
    return context, page


def test_two_visitors_are_isolated(browser, public_app, fake_llm, shots):
    alice_ctx, alice = _open(browser, public_app.url)
    bob_ctx, bob = _open(browser, public_app.url)

    # a visitor without keys is told what to add, and the server's key is not offered
    notice = alice.locator("[data-testid=markdown].mf-notice")
    notice.wait_for(timeout=30000)
    assert "OpenAI API key" in notice.inner_text()

    alice.get_by_role("tab", name="Settings").click()
    alice.get_by_label("OpenAI API key").fill(FAKE_KEY)
    alice.get_by_label("OpenAI-compatible base URL (optional)").fill(fake_llm.base_url)
    alice.get_by_role("button", name="Save keys").click()
    alice.get_by_text("Saved.").wait_for(timeout=30000)
    alice.wait_for_function(
        "() => (document.querySelector('[data-testid=markdown].mf-stored')?.innerText ?? '')"
        ".includes('4242')",
        timeout=30000,
    )
    stored = alice.locator("[data-testid=markdown].mf-stored").inner_text()
    assert "4242" in stored and FAKE_KEY not in stored  # masked, last four only

    alice.get_by_role("tab", name="Setup").click()
    alice.get_by_label("Your name").fill("Alice")
    alice.get_by_label("Target role").fill("Site Reliability Engineer")
    alice.get_by_role("button", name="Start interview").click()
    alice.locator("#mf-chat [data-testid='bot']").first.wait_for(timeout=45000)
    alice.get_by_role("button", name="End interview").click()
    alice.get_by_role("button", name="Yes, end it").click()
    alice.wait_for_function(
        "() => document.querySelector('#mf-stage-bar')?.innerText.includes('You ended')",
        timeout=45000,
    )
    alice.get_by_role("tab", name="History").click()
    alice.get_by_role("button", name="Refresh").click()
    alice.wait_for_function(
        "() => document.querySelector('#mf-history')?.innerText.includes('Site Reliability')",
        timeout=30000,
    )

    bob.reload()
    bob.get_by_role("tab", name="Settings").click()
    bob.locator("[data-testid=markdown].mf-stored").get_by_text("OpenAI key").wait_for(
        timeout=30000
    )
    bob_stored = bob.locator("[data-testid=markdown].mf-stored").inner_text()
    assert "4242" not in bob_stored and "9999" not in bob_stored
    bob.get_by_role("tab", name="History").click()
    bob.get_by_role("button", name="Refresh").click()
    bob.wait_for_timeout(1500)
    assert "Site Reliability" not in bob.locator("#mf-history").inner_text()
    assert "Site Reliability" not in bob.content()
    bob.get_by_role("tab", name="Setup").click()
    assert "OpenAI API key" in bob.locator("[data-testid=markdown].mf-notice").inner_text()
    bob.screenshot(path=str(shots / "public-bob-setup.png"), full_page=True)

    # the same browser coming back is still Alice
    alice.reload()
    alice.get_by_role("tab", name="History").click()
    alice.wait_for_function(
        "() => document.querySelector('#mf-history')?.innerText.includes('Site Reliability')",
        timeout=30000,
    )
    alice_ctx.close()
    bob_ctx.close()


def test_a_restart_keeps_every_visitors_identity_and_history(browser, tmp_path_factory, fake_llm):
    data = tmp_path_factory.mktemp("public-restart")
    # full-length stages: the test ends the interview itself; with short ones a slow
    # machine let the timers finish it first and End was already disabled
    env = {"MOCKFLOW_PUBLIC": "1", "MOCKFLOW_STAGE_SCALE": "1", **_allow(fake_llm)}
    app = AppProcess(data, env)
    context, page = _open(browser, app.url)
    try:
        page.get_by_role("tab", name="Settings").click()
        page.get_by_label("OpenAI API key").fill(FAKE_KEY)
        page.get_by_label("OpenAI-compatible base URL (optional)").fill(fake_llm.base_url)
        page.get_by_role("button", name="Save keys").click()
        page.get_by_text("Saved.").wait_for(timeout=30000)
        page.get_by_role("tab", name="Setup").click()
        page.get_by_label("Your name").fill("Alice")
        page.get_by_label("Target role").fill("Platform Engineer")
        page.get_by_role("button", name="Start interview").click()
        explained_wait(page, "() => document.querySelector('#mf-chat [data-testid=bot]')", app=app)
        page.get_by_role("button", name="End interview").click()
        page.get_by_role("button", name="Yes, end it").click()
        page.wait_for_function(
            "() => document.querySelector('#mf-stage-bar')?.innerText.includes('You ended')",
            timeout=45000,
        )
        app.stop()
        app = AppProcess(data, env, port=app.port)  # same data, same address
        page.reload()
        page.get_by_role("tab", name="History").click()
        page.wait_for_function(
            "() => document.querySelector('#mf-history')?.innerText.includes('Platform Engineer')",
            timeout=45000,
        )
        page.get_by_role("tab", name="Settings").click()
        page.locator("[data-testid=markdown].mf-stored").get_by_text("4242").wait_for(timeout=30000)
    finally:
        context.close()
        app.stop()
