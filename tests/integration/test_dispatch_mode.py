"""Dispatch mode through the app's services (`MOCKFLOW_VOICE_AGENTS=dispatch`): voice
interviews go to LiveKit workers, text interviews stay local. The real livekit-api
client talks to a local LiveKit server API; a fake worker writes the timeline into the
shared data folder, as `python agent_entry.py worker` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from livekit import api

from mockflow.app.setup import InterviewSetup
from mockflow.config import EnvKeys, Settings
from mockflow.errors import ConfigError
from mockflow.ui.services import AppServices, build_services
from tests.fakes.livekit_server import KEY, SECRET, FakeLiveKitServer, FakeWorker
from tests.waiting import eventually

pytestmark = pytest.mark.integration
USER = "local"
USER_KEY = "sk-users-own-key-0123456789"


@pytest.fixture
def server() -> Iterator[FakeLiveKitServer]:
    with FakeLiveKitServer() as fake:
        yield fake


def _settings(tmp_path: Path, **env_keys: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        secret_key="a long enough passphrase for tests",
        pool_size=0,
        ready_timeout_seconds=3.0,
        voice_agents="dispatch",
        env_keys=EnvKeys(**env_keys),
    )


@pytest.fixture
def services(tmp_path: Path, server: FakeLiveKitServer) -> Iterator[AppServices]:
    settings = _settings(
        tmp_path, livekit_url=server.url, livekit_api_key=KEY, livekit_api_secret=SECRET
    )
    built = build_services(settings, {})
    yield built
    built.close()


@pytest.fixture
def worker(server: FakeLiveKitServer, services: AppServices) -> FakeWorker:
    fake = FakeWorker(services.settings.sessions_dir)
    server.on_dispatch, server.on_data = fake.on_dispatch, fake.on_data
    return fake


def test_a_voice_interview_runs_on_a_worker_with_the_operators_project(services, server, worker):
    # the user has only an LLM key of their own: workers bring the voice providers
    services.vault.update_keys(USER, {"openai_api_key": USER_KEY, "tts_voice": "verse"})
    setup = InterviewSetup(name="Ana", role="Backend Engineer", mode="voice")
    assert services.interviews.missing_for(services.vault.resolve_keys(USER).keys, "voice") == []

    started = services.interviews.start(USER, setup)

    [(dispatch, _claims)] = server.dispatches
    claims = api.TokenVerifier(KEY, SECRET).verify(started.room["token"])
    assert started.room["url"] == server.url
    assert claims.identity == "candidate" and claims.video.room == dispatch.room
    metadata = json.loads(dispatch.metadata)
    assert USER_KEY not in dispatch.metadata and metadata["candidate"]["name"] == "Ana"
    assert metadata["providers"]["tts"] == {"voice": "verse"}

    record = services.interviews.session(USER, started.session_id)
    assert eventually(lambda: services.voice_workers.status(started.session_id).state == "running")
    assert services.supervisor.active_sessions() == []  # nothing ran on this machine
    services.interviews.send_answer(USER, started.session_id, "I build payment systems.")
    services.interviews.skip_stage(USER, started.session_id)
    services.interviews.end(USER, started.session_id)

    assert [c["type"] for c in server.commands()] == ["user_text", "skip_stage", "end"]
    assert server.commands()[0]["text"] == "I build payment systems."
    assert eventually(lambda: services.interviews.session(USER, record.id).status == "user_ended")


def test_a_browser_that_cannot_join_ends_the_dispatched_interview_as_failed(
    services, server, worker
):
    services.vault.update_keys(USER, {"openai_api_key": USER_KEY})
    started = services.interviews.start(USER, InterviewSetup(name="Ana", role="SRE", mode="voice"))
    assert eventually(lambda: services.voice_workers.status(started.session_id).state == "running")
    services.interviews.end(USER, started.session_id, "error", "no microphone")
    assert server.commands()[-1] == {"type": "end", "reason": "error", "message": "no microphone"}
    assert eventually(
        lambda: services.interviews.session(USER, started.session_id).status == "failed"
    )


def test_no_worker_is_a_failed_interview_with_a_plain_reason(services, server):
    services.vault.update_keys(USER, {"openai_api_key": USER_KEY})
    started = services.interviews.start(USER, InterviewSetup(name="Ana", role="SRE", mode="voice"))
    assert eventually(
        lambda: services.interviews.session(USER, started.session_id).status == "failed",
        timeout=10,
    )
    events = [json.loads(line) for line in started.events_path.read_text().splitlines()]
    assert "No MockFlow worker picked up the interview" in events[-2]["message"]
    assert server.deleted  # no worker may join it late


def test_dispatch_mode_without_livekit_credentials_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET"):
        build_services(_settings(tmp_path), {})
