"""The app's own local LiveKit server: started, supervised, restarted once, stopped."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from mockflow.launch.livekit.embedded import EmbeddedVoiceServer, wanted
from mockflow.launch.livekit.server import LocalLiveKitServer, ServerPorts
from tests.conftest import livekit_binary

pytestmark = [pytest.mark.integration, pytest.mark.livekit]


def embedded(tmp_path: Path, ports: ServerPorts | None = None) -> EmbeddedVoiceServer:
    server = LocalLiveKitServer(livekit_binary(), tmp_path / "lk.log", ports or ServerPorts.free())
    return EmbeddedVoiceServer(server)


def wait_for(condition, timeout: float = 20.0) -> None:
    """The watcher reacts within its 1 s tick; give it room on a loaded machine."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_only_in_local_mode_without_a_livekit_url() -> None:
    assert wanted(public=False, on_space=False, livekit_url=None)
    assert not wanted(public=True, on_space=False, livekit_url=None)
    assert not wanted(public=False, on_space=True, livekit_url=None)
    assert not wanted(public=False, on_space=False, livekit_url="wss://x.livekit.cloud")


def test_runs_is_restarted_once_then_reported_and_stops_with_no_orphan(tmp_path: Path) -> None:
    voice = embedded(tmp_path)
    assert voice.start()
    try:
        url, key, secret = voice.credentials() or ("", "", "")
        assert url.startswith("ws://127.0.0.1:") and key and len(secret) >= 32
        status = voice.status()
        assert status.state == "running" and url in status.message
        first = voice.server.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)  # a crash
        wait_for(lambda: voice.running() and voice.server.pid not in (None, first))
        assert "restarted" in voice.status().message
        assert voice.credentials() == (url, key, secret)  # same address and keys
        second = voice.server.pid
        assert second is not None
        os.kill(second, signal.SIGKILL)  # a second crash: not restarted again
        wait_for(lambda: voice.status().state == "failed")
        assert voice.credentials() is None and "stopped twice" in voice.status().message
    finally:
        voice.stop()
    assert gone(first) and gone(second)


def test_a_taken_port_is_a_clear_message_and_voice_needs_a_url(tmp_path: Path) -> None:
    ports = ServerPorts.free()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports.http))
        taken.listen()
        voice = embedded(tmp_path, ports)
        assert not voice.start()
    status = voice.status()
    assert status.state == "failed" and f"port {ports.http}" in status.message
    assert "LiveKit Cloud URL" in status.message and voice.credentials() is None


def test_stop_leaves_no_process(tmp_path: Path) -> None:
    voice = embedded(tmp_path)
    assert voice.start()
    pid = voice.server.pid
    assert pid is not None
    voice.stop()
    assert gone(pid) and voice.status().state == "off"
