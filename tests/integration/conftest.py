"""Shared fixtures for integration tests: the fake LLM server and launch specs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]
AGENT = ROOT / "agent_entry.py"
FAST_STAGES = {s: 2.0 for s in ("greeting", "self_intro", "past_experience", "company_fit")}
FAST_STAGES["closing"] = 2.0


@pytest.fixture
def fake_llm():
    server = FakeOpenAI(api_key="sk-test-fake-key-000111")
    server.start_in_thread()
    yield server
    server.stop_thread()


def make_spec(tmp_path: Path, base_url: str, **changes) -> dict:
    spec = {
        "session_id": "iv_test",
        "session_dir": str(tmp_path / "session"),
        "transport": "text",
        "candidate": {"name": "Ana Lima", "role": "Backend Engineer", "level": "mid"},
        "track": "behavioral",
        "stage_overrides": dict(FAST_STAGES),
        "resume_text": "Ana Lima. Led the payments migration at Acme.",
        "job_description": "We need a backend engineer to own our billing services.",
        "providers": {
            # the fake stands in for OpenAI, which calls tools (a local base_url alone would
            # not be offered the complete_stage tool)
            "llm": {
                "base_url": base_url,
                "api_key": "sk-test-fake-key-000111",
                "timeout": 3.0,
                "tool_calls": True,
            }
        },
    }
    spec.update(changes)
    return spec


def spawn_agent(spec: dict | str | None, env: dict | None = None) -> subprocess.Popen:
    """Start agent_entry.py and, if given, send the spec line."""
    proc = subprocess.Popen(
        [sys.executable, str(AGENT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    if spec is not None:
        line = spec if isinstance(spec, str) else json.dumps(spec)
        proc.stdin.write(line.encode() + b"\n")
        proc.stdin.flush()
    return proc


def send(proc: subprocess.Popen, command: dict) -> None:
    """Write one command; an agent that already exited is not an error here."""
    try:
        proc.stdin.write(json.dumps(command).encode() + b"\n")
        proc.stdin.flush()
    except BrokenPipeError:
        pass
