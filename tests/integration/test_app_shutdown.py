"""Stopping the app the ways a system does: SIGTERM (kill, systemd, docker stop) and SIGINT
end it as Ctrl+C does, its LiveKit server, fork server and interviewers included, so a
fresh start on the same ports has voice again; after a SIGKILL, which no process can
handle, the next start stops the LiveKit server the killed run left behind."""

from __future__ import annotations

import json
import signal
import socket
from pathlib import Path

import psutil
import pytest
from gradio_client import Client

from mockflow.contracts.events import EVENTS_FILE, read_timeline
from mockflow.launch.livekit.server import ServerPorts
from tests.app_process import AppProcess
from tests.conftest import livekit_binary
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.waiting import eventually

pytestmark = [pytest.mark.integration, pytest.mark.livekit]
KEY = "sk-shutdown-test-key-5150"


@pytest.fixture(scope="module")
def model():
    fake = FakeOpenAI(api_key=KEY, responder=ScriptedInterviewer(answers_per_stage=3))
    fake.start_in_thread()
    yield fake
    fake.stop_thread()


def _voice_port() -> int:
    """An HTTP port whose next two (the server's RTC ports) are free as well."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 65000 and ServerPorts(port, port + 1, port + 2).busy() is None:
            return port
    raise AssertionError("no three free ports in a row")


def _start(data_dir: Path, model: FakeOpenAI, voice_port: int, app_port: int | None = None):
    app = AppProcess(
        data_dir,
        {
            "OPENAI_API_KEY": KEY,
            "OPENAI_BASE_URL": model.base_url,
            "MOCKFLOW_LIVEKIT_SERVER": str(livekit_binary()),
            "MOCKFLOW_LIVEKIT_PORT": str(voice_port),
        },
        port=app_port,
    )
    voice = app.health()["voice_server"]
    assert voice == {"state": "running", "url": f"ws://127.0.0.1:{voice_port}"}, voice
    return app


def _livekit_pid(data_dir: Path) -> int:
    return int(json.loads((data_dir / "run" / "livekit-server.pid").read_text())["pid"])


def _start_text_interview(app: AppProcess) -> str:
    """A text interview through the public API, waited on until its first question."""
    client = Client(app.url, verbose=False)
    started = client.predict(
        "Ana", "Backend Engineer", "mid", "behavioral", "short", "", "", "",
        api_name="/start_interview",
    )  # fmt: skip
    session_id = started["session_id"]

    def asked() -> bool:
        events = client.predict(session_id, 0, "", api_name="/poll")["events"]
        return any(e["type"] == "turn" and e["role"] == "interviewer" for e in events)

    assert eventually(asked, timeout=60, step=0.3), "the interviewer never asked a question"
    return session_id


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_stops_every_child_and_the_same_ports_work_again(tmp_path, model, signum):
    voice_port = _voice_port()
    app = _start(tmp_path, model, voice_port)
    try:
        session_id = _start_text_interview(app)
        children = psutil.Process(app.proc.pid).children(recursive=True)
        names = " ".join(" ".join(c.cmdline()[:3]) for c in children)
        assert _livekit_pid(tmp_path) in {c.pid for c in children}
        assert "forkserver" in names or "agent" in names, names  # the interviewer runs

        app.proc.send_signal(signum)
        assert app.proc.wait(timeout=60) == 0
        stopped = eventually(lambda: all(_gone(c.pid) for c in children), timeout=30)
        assert stopped, f"left running: {[c.cmdline() for c in children if not _gone(c.pid)]}"
        timeline = read_timeline(tmp_path / "sessions" / session_id / EVENTS_FILE)
        assert timeline.ended_reason is not None  # the interview was closed, not left open
        assert not (tmp_path / "run" / "livekit-server.pid").exists()
    finally:
        app.stop()

    again = _start(tmp_path, model, voice_port, app.port)  # voice works on the same port
    again.stop()


def test_the_next_start_stops_the_livekit_server_a_killed_run_left(tmp_path, model):
    voice_port = _voice_port()
    app = _start(tmp_path, model, voice_port)
    stray = _livekit_pid(tmp_path)
    app.proc.kill()  # SIGKILL: the app cannot stop its children
    app.proc.wait(timeout=30)
    app.stop()
    assert not _gone(stray)  # what users met: the old server still holds port 7880

    again = _start(tmp_path, model, voice_port)
    try:
        assert _gone(stray)
        assert _livekit_pid(tmp_path) != stray
        log = (tmp_path / "app.log").read_text("utf-8", errors="replace")
        assert "stopping livekit-server" in log
    finally:
        again.stop()
