"""A real browser on a public link uploads its resume with the page's upload pass, and is
told in plain words when its hour's uploads are used up (finding 3 of issue 25)."""

from __future__ import annotations

import pytest

from mockflow.ui.upload_gate import TOO_MANY
from tests.app_process import AppProcess

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def public_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("uploads-app")
    app = AppProcess(data, {"MOCKFLOW_PUBLIC": "1", "MOCKFLOW_UPLOADS_PER_HOUR": "1"})
    yield app
    app.stop()


@pytest.mark.parametrize("width", [1280, 375])
def test_a_visitor_uploads_then_hears_the_limit(browser, public_app, tmp_path, shots, width):
    resume = tmp_path / "cv.txt"
    resume.write_text("I led the billing migration at Cartwheel and cut failed runs. " * 5)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(public_app.url)
        page.get_by_label("Your name").wait_for(timeout=30000)
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["mockflow_upload"]["httpOnly"] is True
        page.locator("input[type=file]").set_input_files(str(resume))
        page.get_by_text("Read 55 words from").wait_for(timeout=30000)
        page = context.new_page()  # another tab of the same browser: the same pass
        page.goto(public_app.url)
        page.get_by_label("Your name").wait_for(timeout=30000)
        page.locator("input[type=file]").set_input_files(str(resume))
        page.get_by_text(TOO_MANY).first.wait_for(timeout=30000)
        page.screenshot(path=str(shots / f"upload-limit-{width}.png"), full_page=True)
        assert "Traceback" not in page.content()
    finally:
        context.close()
