"""Saved setups: save the current setup under a name and load it back after a reload."""

from __future__ import annotations

import pytest

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
