"""The voice-room component (room.html + room.js) with the real, npm-installed
livekit-client in headless Chromium: every connection failure is shown in plain words
and reported to the app within 10 s.

There is no LiveKit server here, so the component runs in a small harness page that
gives it what Gradio's js_on_load gives it (`element`, `props`, `trigger`, `watch`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import shutil
import threading
import time
from importlib import resources

import pytest

from mockflow.config import LIVEKIT_CLIENT_CDN, LIVEKIT_CLIENT_SRI, LIVEKIT_CLIENT_VERSION
from mockflow.ui.livekit_js import room_script
from tests.app_process import LIVEKIT_JS
from tests.fakes.sockets import closed_port, silent_listener

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not LIVEKIT_JS.is_file(), reason="npm livekit-client not installed"),
]

HARNESS = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<div id="root">{room}</div>
<script>
const element = document.getElementById("root");
const props = {{ value: "" }};
const LIBRARY = {{ src: "{lib}", integrity: "" }};
const watchers = [];
window.__reports = [];
function trigger(name) {{ window.__reports.push(JSON.parse(props.value)); }}
function watch(name, callback) {{ watchers.push(callback); }}
window.__setValue = (value) => {{ props.value = value; watchers.forEach((cb) => cb()); }};
</script>
<script src="room.js"></script>
</body></html>"""


def _static(name: str) -> str:
    return resources.files("mockflow.ui").joinpath("static", name).read_text("utf-8")


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    root = tmp_path_factory.mktemp("room-harness")
    shutil.copy(LIVEKIT_JS, root / "livekit-client.umd.js")
    (root / "room.js").write_text(_static("room.js"))
    room = _static("room.html")
    (root / "index.html").write_text(HARNESS.format(lib="livekit-client.umd.js", room=room))
    (root / "nolib.html").write_text(HARNESS.format(lib="missing/livekit-client.js", room=room))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _connect(page, url: str) -> float:
    started = time.monotonic()
    value = json.dumps({"action": "connect", "url": url, "token": "header.payload.signature"})
    page.evaluate("(v) => window.__setValue(v)", value)
    page.wait_for_function(
        "() => document.querySelector('.mf-room-status')?.dataset.kind === 'error'",
        timeout=15000,
    )
    return time.monotonic() - started


def _status(page) -> str:
    return page.locator(".mf-room-status").inner_text()


def test_unreachable_server_is_reported_quickly(browser, harness):
    page = browser.new_page()
    page.goto(harness + "index.html")
    port = closed_port()
    elapsed = _connect(page, f"ws://127.0.0.1:{port}")
    assert elapsed < 10
    assert f"Could not reach the LiveKit server at 127.0.0.1:{port}" in _status(page)
    reports = page.evaluate("window.__reports")
    assert reports[-1]["report"] == "failed" and "Could not reach" in reports[-1]["message"]
    assert page.locator(".mf-mute").is_disabled()


def test_server_that_never_answers_times_out_within_ten_seconds(browser, harness):
    page = browser.new_page()
    page.goto(harness + "index.html")
    with silent_listener() as port:
        elapsed = _connect(page, f"ws://127.0.0.1:{port}")
    assert elapsed < 10  # the component gives up after 7 s: the 10 s, with slack
    assert "127.0.0.1" in _status(page)
    assert page.evaluate("window.__reports")[-1]["report"] == "failed"


def test_malformed_url_is_named_as_such(browser, harness):
    page = browser.new_page()
    page.goto(harness + "index.html")
    _connect(page, "not a url at all")
    assert "The LiveKit URL is not valid" in _status(page)


def test_missing_client_library_is_explained(browser, harness):
    page = browser.new_page()
    page.goto(harness + "nolib.html")
    _connect(page, "ws://127.0.0.1:1")
    assert (
        "Voice could not start: your browser could not load the voice library "
        "(livekit-client) from this app" in _status(page)
    )
    assert "Choose text mode in Setup" in _status(page)
    assert page.evaluate("window.__reports")[-1]["report"] == "failed"


def test_token_never_enters_the_page_markup(browser, harness):
    page = browser.new_page()
    page.goto(harness + "index.html")
    _connect(page, f"ws://127.0.0.1:{closed_port()}")
    assert "header.payload.signature" not in page.locator("#root").inner_html()


def _set(page, value: dict) -> None:
    page.evaluate("(v) => window.__setValue(v)", json.dumps(value))


def test_connection_error_stays_on_screen_when_the_interview_ends(browser, harness):
    page = browser.new_page()
    page.goto(harness + "index.html")
    port = closed_port()
    _connect(page, f"ws://127.0.0.1:{port}")
    _set(page, {"action": "disconnect"})
    page.wait_for_timeout(300)
    assert f"Could not reach the LiveKit server at 127.0.0.1:{port}" in _status(page)


def test_leaving_while_still_connecting_is_not_reported_as_a_failure(browser, harness):
    # the connect runs to its (bounded) answer, then leaves: why voice never connected
    # is worth showing, but the interview has ended, so there is nothing to report
    page = browser.new_page()
    page.goto(harness + "index.html")
    with silent_listener() as port:
        _set(page, {"action": "connect", "url": f"ws://127.0.0.1:{port}", "token": "a.b.c"})
        page.wait_for_function(
            "() => document.querySelector('.mf-room')?.dataset.connection === 'connecting'"
        )
        _set(page, {"action": "disconnect"})
        page.wait_for_function(
            "() => document.querySelector('.mf-room')?.dataset.connection === 'left'",
            timeout=30000,
        )
    assert page.evaluate("window.__reports") == []
    assert "did not answer" in _status(page)
    assert "Connection: closed" in page.locator(".mf-quality").inner_text()


def test_the_pinned_cdn_script_must_match_the_npm_copy_of_its_version():
    package = json.loads((LIVEKIT_JS.parents[1] / "package.json").read_text("utf-8"))
    assert package["version"] == LIVEKIT_CLIENT_VERSION  # the CDN pin and the tests agree
    digest = base64.b64encode(hashlib.sha384(LIVEKIT_JS.read_bytes()).digest()).decode()
    assert f"sha384-{digest}" == LIVEKIT_CLIENT_SRI  # a changed CDN file is refused
    assert f'"integrity": "{LIVEKIT_CLIENT_SRI}"' in room_script(LIVEKIT_CLIENT_CDN)
