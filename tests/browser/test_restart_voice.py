"""What a user of the app's own LiveKit server meets after `kill`, `systemctl stop` or
`docker stop` (SIGTERM) and a start again: voice works at once on the same ports. It used
to fail with "port 7880 is taken" because SIGTERM left the server running."""

from __future__ import annotations

import signal

import pytest

from tests.app_process import LIVEKIT_JS, AppProcess
from tests.browser.conftest import FAKE_KEY
from tests.browser.conftest import explained_wait as _wait
from tests.browser.test_voice_room import _start_voice
from tests.conftest import livekit_binary
from tests.fakes.deepgram_server import FakeDeepgram
from tests.integration.test_app_shutdown import _voice_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.livekit,
    pytest.mark.skipif(not LIVEKIT_JS.is_file(), reason="npm livekit-client not installed"),
]
CONNECTED = "() => document.querySelector('#mf-room .mf-room-status')?.dataset.kind === 'ok'"


def test_voice_works_again_after_the_app_is_stopped_with_sigterm(
    browser, fake_llm, tmp_path, shots
):
    stt = FakeDeepgram(default_transcript="Hello.")
    stt.start_in_thread()
    env = {
        "OPENAI_API_KEY": FAKE_KEY,
        "OPENAI_BASE_URL": fake_llm.base_url,
        "DEEPGRAM_API_KEY": stt.api_key,
        "DEEPGRAM_BASE_URL": stt.url,
        "MOCKFLOW_LIVEKIT_SERVER": str(livekit_binary()),  # the app's own server, no URL
        "MOCKFLOW_LIVEKIT_PORT": str(_voice_port()),
    }
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["microphone"])
    page = context.new_page()
    app = AppProcess(tmp_path, env)
    try:
        _start_voice(page, app.url)
        _wait(page, CONNECTED, 45000, app=app)
        app.proc.send_signal(signal.SIGTERM)  # as systemd or docker stop would
        assert app.proc.wait(timeout=60) == 0
        app.stop()

        app = AppProcess(tmp_path, env, port=app.port)  # the same ports, the same data
        assert app.health()["voice_server"]["state"] == "running"
        _start_voice(page, app.url)
        _wait(page, CONNECTED, 45000, app=app)
        page.screenshot(path=str(shots / "restart-voice-1280.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})
        page.screenshot(path=str(shots / "restart-voice-375.png"), full_page=True)
        history = page.get_by_role("tab", name="History")
        history.click()
        # the interview the stop cut short is listed as such, not as still running
        _wait(
            page,
            "() => /interrupted|stopped|ended/i.test("
            "document.querySelector('#mf-history')?.innerText ?? '')",
            45000,
            app=app,
        )
    finally:
        context.close()
        app.stop()
        stt.stop_thread()
