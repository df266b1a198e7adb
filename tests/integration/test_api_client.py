"""The named HTTP endpoints, driven by gradio_client against the real app process."""

from __future__ import annotations

import time

import pytest
from gradio_client import Client

from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
KEY = "sk-api-test-key-777888"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    fake = FakeOpenAI(api_key=KEY, responder=ScriptedInterviewer(answers_per_stage=1))
    fake.start_in_thread()
    process = AppProcess(
        tmp_path_factory.mktemp("api-app"),
        {
            "OPENAI_API_KEY": KEY,
            "OPENAI_BASE_URL": fake.base_url,
            "MOCKFLOW_STAGE_SCALE": "0.05",
        },
    )
    yield process
    process.stop()
    fake.stop_thread()


def _events_until(client, session_id, offset, predicate, timeout=30.0):
    events = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = client.predict(session_id, offset, "", api_name="/poll")
        events += result["events"]
        offset = result["offset"]
        if predicate(events):
            return events, offset
        time.sleep(0.2)
    raise AssertionError(f"condition not met; got {[e['type'] for e in events]}")


def test_script_runs_a_whole_practice_session(app):
    client = Client(app.url, verbose=False)
    started = client.predict(
        "Ana",
        "Backend Engineer",
        "mid",
        "behavioral",
        "short",
        "Own the billing services.",
        "",
        "",
        api_name="/start_interview",
    )
    session_id = started["session_id"]
    offset = 0
    answers = 0
    transcript: list[dict] = []
    while answers < 20:
        events, offset = _events_until(
            client,
            session_id,
            offset,
            lambda evs: any(e["type"] in ("turn", "ended") for e in evs),
        )
        transcript += [e for e in events if e["type"] == "turn"]
        if any(e["type"] == "ended" for e in events):
            break
        if transcript and transcript[-1]["role"] == "interviewer":
            time.sleep(1.0)
            assert (
                client.predict(session_id, f"My answer {answers + 1}.", "", api_name="/send_answer")
                == "sent"
            )
            answers += 1
    assert transcript[0]["role"] == "interviewer"
    assert {t["stage"] for t in transcript} >= {"greeting", "self_intro", "closing"}
    report = client.predict(session_id, "", api_name="/get_report")
    assert len(report["report"]["analytics"]["answers"]) == answers
    assert "Delivery (measured)" in report["markdown"]


def test_ending_early_keeps_the_transcript(app):
    client = Client(app.url, verbose=False)
    started = client.predict(
        "Ben", "Analyst", "entry", "intro_call", "short", "", "", "", api_name="/start_interview"
    )
    session_id = started["session_id"]
    _events_until(client, session_id, 0, lambda evs: any(e["type"] == "turn" for e in evs))
    assert client.predict(session_id, "", api_name="/end_interview") == "ended"
    events, _ = _events_until(
        client, session_id, 0, lambda evs: any(e["type"] == "ended" for e in evs)
    )
    assert events[-1]["reason"] == "user_ended"
    assert any(e["type"] == "turn" for e in events)


def test_bad_requests_get_clear_errors(app):
    client = Client(app.url, verbose=False)
    with pytest.raises(Exception, match="Enter your name"):
        client.predict(
            "", "Engineer", "mid", "behavioral", "short", "", "", "", api_name="/start_interview"
        )
    with pytest.raises(Exception, match="not found"):
        client.predict("iv_doesnotexist0000000000", 0, "", api_name="/poll")
