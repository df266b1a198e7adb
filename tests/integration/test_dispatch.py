"""Scale-out mode at its boundaries: the dispatch the app creates (the real livekit-api client
against a local Twirp endpoint of AgentDispatchService), the spec the worker rebuilds from
it, what a worker does with a job it cannot run, and the worker command itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mockflow.agent.worker import build_server, refuse_job
from mockflow.config import DEFAULT_WORKER_NAME as AGENT_NAME
from mockflow.config import EnvKeys, Settings
from mockflow.contracts.events import EVENTS_FILE, read_events
from mockflow.contracts.job import job_metadata, spec_from_job
from mockflow.errors import ConfigError, ProviderError
from mockflow.launch.livekit.dispatch import dispatch_interview
from tests.fakes.livekit_server import KEY, SECRET, FakeLiveKitServer
from tests.integration.conftest import AGENT, ROOT, make_spec

pytestmark = pytest.mark.integration
SECRETS = ("sk-test-fake-key-000111", "dg-secret-000111", "tts-secret-000111", "lk-agent-jwt")


def _spec(tmp_path: Path) -> dict:
    spec = make_spec(tmp_path, "https://llm.example/v1", transport="room")
    spec["providers"]["stt"] = {"provider": "deepgram", "api_key": SECRETS[1], "model": "nova-3"}
    spec["providers"]["tts"] = {"api_key": SECRETS[2], "voice": "verse", "speed": 1.2}
    spec["livekit"] = {"url": "wss://lk.example", "room": "mf-room", "token": SECRETS[3]}
    spec["turn_taking"] = {"patience": "very_patient"}
    return spec


async def test_dispatch_request_carries_the_interview_but_no_secret(tmp_path):
    spec = _spec(tmp_path)
    async with FakeLiveKitServer() as server:
        dispatch_id = await dispatch_interview(server.url, KEY, SECRET, room="mf-room", spec=spec)
    assert dispatch_id == "AD_fake123"
    [(request, claims)] = server.dispatches
    assert request.agent_name == AGENT_NAME and request.room == "mf-room"
    assert claims.video.room_admin and claims.video.room == "mf-room"
    for secret in SECRETS:
        assert secret not in request.metadata
    metadata = json.loads(request.metadata)
    assert metadata["session_id"] == spec["session_id"]
    assert metadata["candidate"] == spec["candidate"]
    assert metadata["job_description"] == spec["job_description"]
    assert metadata["providers"]["tts"] == {"voice": "verse", "speed": 1.2}
    assert "livekit" not in metadata and "session_dir" not in metadata


async def test_rejected_credentials_are_a_plain_error(tmp_path):
    async with FakeLiveKitServer() as server:
        with pytest.raises(ProviderError) as raised:
            await dispatch_interview(
                server.url, KEY, "wrong-secret-" * 3, room="r", spec=_spec(tmp_path)
            )
    assert "rejected the API key or secret (401)" in str(raised.value)
    assert "wrong-secret" not in str(raised.value)


def test_worker_rebuilds_the_spec_with_its_own_keys(tmp_path):
    metadata = job_metadata(_spec(tmp_path))
    keys = EnvKeys(
        openai_api_key="sk-worker-key-0001",
        deepgram_api_key="dg-worker-key-0001",
        livekit_url="wss://lk.example",
        livekit_api_key=KEY,
        livekit_api_secret=SECRET,
    )
    spec = spec_from_job(metadata, room="mf-room", keys=keys, sessions_dir=tmp_path / "sessions")
    assert spec.transport == "room" and spec.livekit.room == "mf-room"
    assert spec.providers.llm.api_key == "sk-worker-key-0001"
    assert spec.providers.llm.base_url == "https://llm.example/v1"
    assert spec.providers.stt.api_key == "dg-worker-key-0001"
    assert spec.providers.tts.voice == "verse" and spec.providers.tts.api_key is None
    assert spec.turn_taking.patience == "very_patient"
    assert Path(spec.session_dir) == tmp_path / "sessions" / spec.session_id


def test_worker_registers_for_explicit_dispatch_only():
    env = {"LIVEKIT_URL": "ws://127.0.0.1:9", "LIVEKIT_API_KEY": KEY, "LIVEKIT_API_SECRET": SECRET}
    server = build_server(Settings.from_env(env))
    assert server._agent_name == AGENT_NAME  # explicit dispatch: agents with a name only


def test_worker_command_needs_livekit_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEKIT_")}
    done = subprocess.run(
        [sys.executable, str(AGENT), "worker"], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.decode().strip().splitlines() == [
        "mockflow-agent: worker mode needs LIVEKIT_URL, LIVEKIT_API_KEY and "
        "LIVEKIT_API_SECRET in the environment"
    ]


def test_worker_runs_in_production_mode_and_stops_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEKIT_")}
    env |= {"LIVEKIT_URL": "ws://127.0.0.1:9", "LIVEKIT_API_KEY": KEY}
    env |= {"LIVEKIT_API_SECRET": SECRET, "MOCKFLOW_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, str(AGENT), "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        lines.append(line)
        if "failed to connect to livekit" in line:
            break
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    log = "".join(lines)
    assert "failed to connect to livekit" in log  # it tried the configured server
    assert "127.0.0.1:8081" in log and "0.0.0.0" not in log  # health port on localhost only
    assert SECRET not in log


def test_a_job_the_worker_cannot_run_says_why_in_its_timeline(tmp_path):
    metadata = job_metadata(_spec(tmp_path))
    keys = EnvKeys(livekit_url="wss://lk.example", livekit_api_key=KEY, livekit_api_secret=SECRET)
    sessions = tmp_path / "sessions"
    with pytest.raises(ConfigError) as raised:
        spec_from_job(metadata, room="mf-room", keys=keys, sessions_dir=sessions)
    refuse_job(metadata, sessions, raised.value)
    error, ended = read_events(sessions / "iv_test" / EVENTS_FILE)
    assert error["type"] == "error" and error["fatal"] is True
    assert error["message"] == (
        "The MockFlow worker cannot run this interview: "
        "the worker needs OPENAI_API_KEY in its environment"
    )
    assert ended["type"] == "ended" and ended["reason"] == "error"


def test_job_metadata_with_a_bad_session_id_writes_nowhere(tmp_path):
    metadata = json.dumps({"session_id": "../../etc"})
    refuse_job(metadata, tmp_path / "sessions", ConfigError("no"))
    assert list(tmp_path.rglob("*")) == []
