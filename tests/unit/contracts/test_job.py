"""The job contract of scale-out mode: metadata that carries no secret through LiveKit, and
the worker's launch spec rebuilt from it with the worker's own keys and folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockflow.config import EnvKeys
from mockflow.contracts.job import job_metadata, read_beat, session_id_of, spec_from_job
from mockflow.errors import ConfigError, LaunchSpecError

SPEC = {
    "session_id": "iv_job1",
    "session_dir": "/srv/mockflow/data/sessions/iv_job1",
    "transport": "room",
    "candidate": {"name": "Ana", "role": "Data Engineer", "level": "mid"},
    "track": "technical",
    "providers": {
        "llm": {"api_key": "sk-user-key-1234", "model": "gpt-4o-mini", "base_url": None},
        "stt": {"provider": "deepgram", "api_key": "dg-user-key-5678", "model": "nova-3"},
        "tts": {"provider": "openai", "api_key": "sk-user-key-1234", "voice": "alloy"},
    },
    "livekit": {"url": "wss://lk.example", "room": "mf-1", "token": "eyJhbGciOi.user.token"},
}
WORKER = EnvKeys(
    openai_api_key="sk-worker-key",
    deepgram_api_key="dg-worker-key",
    deepgram_base_url="http://deepgram.internal:8080",
    livekit_url="wss://lk.example",
    livekit_api_key="APIworker",
    livekit_api_secret="worker-secret",
)


def test_metadata_carries_no_key_token_or_server_path():
    metadata = job_metadata(SPEC)
    for secret in ("sk-user-key-1234", "dg-user-key-5678", "eyJhbGciOi", "/srv/mockflow"):
        assert secret not in metadata
    raw = json.loads(metadata)
    assert raw["candidate"]["name"] == "Ana" and raw["track"] == "technical"
    assert raw["providers"]["stt"] == {"provider": "deepgram", "model": "nova-3"}


def test_the_worker_rebuilds_the_spec_with_its_own_keys_and_folders(tmp_path):
    spec = spec_from_job(job_metadata(SPEC), room="mf-1", keys=WORKER, sessions_dir=tmp_path)
    assert spec.session_dir == str(tmp_path / "iv_job1")
    assert spec.providers.llm.api_key == "sk-worker-key"
    assert spec.providers.stt.api_key == "dg-worker-key"
    assert spec.providers.stt.base_url == "http://deepgram.internal:8080"
    assert spec.livekit is not None and spec.livekit.room == "mf-1"
    assert spec.candidate.name == "Ana"


def test_metadata_cannot_choose_the_workers_folder_room_or_keys(tmp_path):
    hostile = json.loads(job_metadata(SPEC))
    hostile["session_dir"] = "/etc"
    hostile["livekit"] = {"url": "wss://evil.example", "room": "other", "token": "x"}
    hostile["providers"]["llm"]["api_key"] = "sk-attacker"
    spec = spec_from_job(json.dumps(hostile), room="mf-1", keys=WORKER, sessions_dir=tmp_path)
    assert spec.session_dir == str(tmp_path / "iv_job1")
    assert spec.livekit.url == "wss://lk.example" and spec.livekit.room == "mf-1"
    assert spec.providers.llm.api_key == "sk-worker-key"
    escape = {**hostile, "session_id": "../../etc"}
    with pytest.raises(LaunchSpecError, match="session_id"):
        spec_from_job(json.dumps(escape), room="mf-1", keys=WORKER, sessions_dir=tmp_path)


def test_without_a_deepgram_key_the_worker_transcribes_with_openai(tmp_path):
    metadata = job_metadata({**SPEC, "providers": {"llm": {"model": "gpt-4o-mini"}}})
    keys = EnvKeys(
        openai_api_key="sk-worker-key",
        livekit_url="wss://lk.example",
        livekit_api_key="APIworker",
        livekit_api_secret="worker-secret",
    )
    spec = spec_from_job(metadata, room="mf-1", keys=keys, sessions_dir=tmp_path)
    assert spec.providers.stt.provider == "openai" and spec.providers.stt.api_key is None


@pytest.mark.parametrize(
    ("missing", "words"),
    [("livekit_api_secret", "LIVEKIT_API_SECRET"), ("openai_api_key", "OPENAI_API_KEY")],
)
def test_a_worker_missing_its_keys_says_which(tmp_path, missing, words):
    keys = EnvKeys(**{**WORKER.__dict__, missing: None})
    with pytest.raises(ConfigError, match=words):
        spec_from_job(job_metadata(SPEC), room="mf-1", keys=keys, sessions_dir=tmp_path)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (json.dumps({"session_id": "iv_job1"}), "iv_job1"),
        (json.dumps({"session_id": "../iv"}), None),
        (json.dumps(["iv_job1"]), None),
        ("{not json", None),
        ("", None),
    ],
)
def test_the_session_id_of_job_metadata_is_read_only_when_well_formed(metadata, expected):
    assert session_id_of(metadata) == expected


def test_a_missing_heartbeat_reads_as_none(tmp_path: Path):
    assert read_beat(tmp_path / "worker.heartbeat") is None
    (tmp_path / "worker.heartbeat").write_text("7")
    assert read_beat(tmp_path / "worker.heartbeat") == "7"
