"""Delete my data leaves nothing behind: a whole text interview with a resume and a job
description, its feedback viewed and downloaded, then "Delete my data"; afterwards no file
under the data dir (Gradio's cache included) or the system temp dir holds any of the
user's text. And an answer with an image makes no browser fetch it."""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.app_process import AppProcess
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, FAKE_KEY

pytestmark = pytest.mark.browser
MAX_SCANNED_BYTES = 50_000_000


def _holding(roots: list[Path], needles: list[bytes], since: float) -> tuple[list[str], int]:
    """(files containing any needle, number of files read) under `roots`. The needles
    carry a tag made at `since`, so only a file changed after it can hold one: older files
    (by ctime, which no program can set back) are not read."""
    found, read = [], 0
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                try:
                    info = path.lstat()
                    if path.is_symlink() or info.st_ctime < since:
                        continue
                    if info.st_size > MAX_SCANNED_BYTES:
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                read += 1
                if any(n in data for n in needles):
                    found.append(str(path))
    return found, read


@pytest.fixture
def app(tmp_path, fake_llm):
    data = tmp_path / "data"
    data.mkdir()
    app = AppProcess(
        data,
        {
            "OPENAI_API_KEY": FAKE_KEY,
            "OPENAI_BASE_URL": fake_llm.base_url,
            "MOCKFLOW_STAGE_SCALE": "0.05",
        },
    )
    yield app
    app.stop()


def _answer_until_done(page, answers: list[str]) -> None:
    for answered in range(40):
        page.wait_for_function(
            """(n) => {
                const bar = document.querySelector('#mf-stage-bar');
                const send = document.querySelector('#mf-send');
                if (!bar || !send) return false;
                return bar.innerText.includes('interview is complete')
                    || (document.querySelectorAll('#mf-chat [data-testid=bot]').length > n
                        && !send.disabled);
            }""",
            arg=answered,
            timeout=30000,
        )
        if "interview is complete" in page.locator("#mf-stage-bar").inner_text():
            return
        page.locator("#mf-answer textarea").fill(answers[answered % len(answers)])
        page.locator("#mf-send").click()
        page.wait_for_function(
            "(n) => document.querySelectorAll('#mf-chat [data-testid=user]').length > n",
            arg=answered,
            timeout=15000,
        )
    raise AssertionError("the interview did not complete")


class _Pixel(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        _Pixel.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_delete_my_data_leaves_no_copy_anywhere(app, tmp_path):
    since = time.time() - 2  # file times are coarser than the clock
    tag = secrets.token_hex(6)
    name, role = f"Zelda{tag}", f"Quokka Wrangler {tag}"
    phrase, jd = f"marmalade-ledger-{tag}", f"We run a lighthouse called {tag}-beacon."
    resume_line = f"Resume of {name}: built the {tag}-orrery."
    pixel = ThreadingHTTPServer(("127.0.0.1", 0), _Pixel)
    threading.Thread(target=pixel.serve_forever, daemon=True).start()
    image = f"![x](http://127.0.0.1:{pixel.server_address[1]}/pixel.png)"
    answers = [f"Sure. {phrase} {image}", f"I shipped the {phrase} twice.", "No questions."]
    resume = tmp_path / "resume.txt"
    resume.write_text(resume_line + "\n" + "I led a migration of our billing system.\n" * 5)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        response = page.goto(app.url)
        assert "img-src 'self' data: blob:" in response.headers["content-security-policy"]
        page.get_by_label("Your name").fill(name)
        page.get_by_label("Target role").fill(role)
        page.get_by_label("Job description (optional)").fill(jd)
        page.locator("input[type=file]").set_input_files(str(resume))
        page.get_by_text("words from").wait_for(timeout=15000)
        resume.unlink()
        page.get_by_role("button", name="Start interview").click()
        _answer_until_done(page, answers)
        page.get_by_role("tab", name="Feedback").click()
        page.locator("#mf-report").get_by_text("Delivery (measured)").wait_for(timeout=15000)
        page.get_by_role("button", name="Transcript").click()
        page.locator("#mf-transcript").get_by_text(phrase).first.wait_for(timeout=10000)
        with page.expect_download() as download:
            page.locator("#mf-downloads a", has_text="Markdown").click()
        saved = tmp_path / "download.md"
        download.value.save_as(saved)
        assert phrase in saved.read_text()
        saved.unlink()
        download.value.delete()
        needles = [s.encode() for s in (name, role, phrase, jd, f"{tag}-orrery")]
        before, _ = _holding([app.data_dir], needles, since)
        assert before  # the scan does see the user's data while it is kept
        page.get_by_role("tab", name="Settings").click()
        page.get_by_role("button", name="Forget keys or delete my data").click()
        page.get_by_label("Yes, delete all my interviews").check()
        page.get_by_role("button", name="Delete my data", exact=True).click()
        page.get_by_text("were deleted from this server").wait_for(timeout=15000)
        browser.close()  # its profile (in the temp dir) goes with it
    pixel.shutdown()

    assert _Pixel.hits == []  # the image in an answer was never fetched
    roots = [app.data_dir, Path(tempfile.gettempdir())]
    found, read = _holding(roots, needles, since)
    assert read > 3  # the app's log, its database, the browser's profile...
    assert found == []
    app.stop()
    found, _ = _holding(roots, needles, since)
    assert found == []  # nor after the app stopped
