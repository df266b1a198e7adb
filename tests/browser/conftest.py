"""Browser tests: the real app as a subprocess, the fake LLM server, headless Chromium.

Chromium is Debian's (installed by scripts/test.sh) driven by Playwright; livekit-client
comes from npm (tests/browser/node_modules), served by the app through
MOCKFLOW_LIVEKIT_JS. Screenshots go under the test's temp dir.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.app_process import AppProcess
from tests.fakes import speech
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
FAKE_KEY = "sk-browser-test-key-424242"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fake_llm():
    server = FakeOpenAI(api_key=FAKE_KEY, responder=ScriptedInterviewer(answers_per_stage=1))
    server.start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture(scope="module")
def local_app(tmp_path_factory, fake_llm):
    """The app in local single-user mode with server-side default keys for the fake LLM."""
    data = tmp_path_factory.mktemp("local-app")
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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def speaking_chromium(browser, folder: Path, words: str):
    """Another Chromium whose microphone says `words`, then is quiet for six seconds, in a
    loop (the fake capture device fed a WAV made with espeak-ng). Close it when done."""
    samples = np.concatenate([speech.padded(words, 48000, lead=0.5), speech.silence(6, 48000)])
    wav = speech.write_wav(folder / "candidate.wav", samples, 48000)
    args = [*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}"]
    return browser.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)


@pytest.fixture
def shots(tmp_path):
    directory = tmp_path / "screenshots"
    directory.mkdir()
    return directory


def explained_wait(
    page, script: str, timeout: float = 30000, app: AppProcess | None = None
) -> None:
    """Wait for `script` to hold; on a timeout, say what the page, the app and the agent
    showed (the tab, the room box, the stage bar, messages, each log's last lines, and
    the app's thread stacks), so a failure in CI explains itself."""
    try:
        page.wait_for_function(script, timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"timed out on {script!r}\n{page_state(page, app)}") from None


def page_state(page, app: AppProcess | None = None) -> str:
    """What the page shows and what the app logged, for a failure message."""
    shown = {}
    for name, selector in {
        "tab": "[role=tab][aria-selected=true]",
        "room": "#mf-room .mf-room-status",
        "stage bar": "#mf-stage-bar",
        "start": "#mf-start",
        "start error": ".mf-field-error",
        "toasts": ".toast-body",
    }.items():
        found = page.locator(selector)
        texts = [found.nth(i).inner_text(timeout=2000) for i in range(min(found.count(), 5))]
        shown[name] = texts or "(none)"
    if page.locator("#mf-start").count():
        shown["start enabled"] = page.locator("#mf-start").is_enabled()
    report = "\n".join(f"{name}: {value!r}" for name, value in shown.items())
    if app is not None:
        app.dump_stacks()
        for log in [app.data_dir / "app.log", *app.data_dir.glob("sessions/*/agent.log")]:
            lines = log.read_text("utf-8", errors="replace").splitlines()[-200:]
            report += f"\n--- {log.name}\n" + "\n".join(lines)
    return report
