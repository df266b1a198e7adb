"""Saved setups: save the current setup under a name and load it back after a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mockflow.ui.tabs.setup import DRAFT_KEY
from tests.browser.browser_state import browser_state
from tests.waiting import eventually

pytestmark = pytest.mark.browser


def test_save_and_load_a_setup(browser, local_app):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(local_app.url)
    page.get_by_label("Target role").fill("Staff Platform Engineer")
    page.get_by_role("radio", name="Senior").check()
    page.get_by_label("Technical: deep dive into a project you owned").check()
    page.get_by_label("Job description (optional)").fill("Own the Kubernetes platform.")
    page.get_by_role("button", name="Saved setups").click()
    page.get_by_label("Save this setup as").fill("Platform, senior")
    page.get_by_role("button", name="Save setup").click()
    page.get_by_text("Saved “Platform, senior”").wait_for(timeout=10000)

    page.reload()
    page.get_by_role("button", name="Saved setups").click()
    page.get_by_label("Load a saved setup").click()
    page.get_by_role("option", name="Platform, senior").click()
    page.get_by_text("Loaded “Platform, senior”").wait_for(timeout=10000)
    assert page.get_by_label("Target role").input_value() == "Staff Platform Engineer"
    assert page.get_by_role("radio", name="Senior").is_checked()
    assert page.get_by_label("Technical: deep dive into a project you owned").is_checked()
    assert "Kubernetes" in page.get_by_label("Job description (optional)").input_value()


def test_an_unsaved_form_survives_a_reload_in_this_browser_only(browser, local_app):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(local_app.url)
    summary = page.locator(".prose.mf-summary")
    expect(summary).to_contain_text("about 15 min", timeout=30000)  # as the choice says
    expect(page.get_by_label("Standard (about 15 min)")).to_be_checked()
    page.get_by_label("Your name").fill("Rosa")
    page.get_by_label("Target role").fill("Site Reliability Engineer")
    page.get_by_role("radio", name="Entry").check()
    page.get_by_label("Short (about 8 min)").check()
    expect(summary).to_contain_text("about 8 min", timeout=30000)
    page.get_by_label("Job description (optional)").fill("On-call for Kafka and Postgres.")
    expect(summary).to_contain_text("Job description: yes, 5 words", timeout=30000)
    assert eventually(  # the draft as the form is now (an earlier change's draft may land first)
        lambda: (
            (browser_state(page, DRAFT_KEY) or {}).get("job_description")
            == "On-call for Kafka and Postgres."
        ),
        timeout=30,
    )

    page.reload()
    expect(page.get_by_label("Target role")).to_have_value(
        "Site Reliability Engineer", timeout=30000
    )
    expect(page.get_by_label("Your name")).to_have_value("Rosa")
    expect(page.get_by_role("radio", name="Entry")).to_be_checked()
    expect(page.get_by_label("Short (about 8 min)")).to_be_checked()
    expect(page.get_by_label("Job description (optional)")).to_have_value(
        "On-call for Kafka and Postgres."
    )
    # kept in that browser, not on the server: another browser starts empty
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    other.goto(local_app.url)
    expect(other.locator(".prose.mf-summary")).to_contain_text("What will be used", timeout=30000)
    assert other.get_by_label("Target role").input_value() == ""
    context.close()
