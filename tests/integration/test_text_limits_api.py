"""Typed text through the named API of the real app behind a public link: a 1.1 MB resume
is refused in words naming the field and its limit before the practice link's only
interview or the candidate's only attempt of the day is spent; control characters in the
name, resume and answers are gone from the session files, the report and the coach's CSV,
and a name starting with "=" stays text in the CSV."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from gradio_client import Client

from mockflow.app.coaching import report_row, rows_csv
from mockflow.app.identity import AnonymousCredentials
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from mockflow.store.vault import ProviderKeys, Vault
from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
COACH_KEY = "sk-coach-limits-key-4242"
CONTROLS = {chr(c) for c in range(32) if chr(c) not in "\n\t"} | {chr(c) for c in range(127, 160)}


@pytest.fixture
def app(tmp_path):
    llm = FakeOpenAI(api_key=COACH_KEY, responder=ScriptedInterviewer(answers_per_stage=1))
    llm.start_in_thread()
    settings = Settings(data_dir=tmp_path)
    store = Store.open(settings)
    coach, candidate = new_browser_id(), new_browser_id()
    vault = Vault.open(settings, store)
    vault.save_keys(coach, ProviderKeys(openai_api_key=COACH_KEY, openai_base_url=llm.base_url))
    store.set_coach(coach, True)
    credentials = AnonymousCredentials(vault.derive_key("anonymous-credentials"))
    tokens = credentials.issue(coach), credentials.issue(candidate)
    store.close()
    process = AppProcess(
        tmp_path,
        {
            "MOCKFLOW_PUBLIC": "1",
            "MOCKFLOW_STAGE_SCALE": "0.05",
            "MOCKFLOW_READY_TIMEOUT": "90",  # a loaded machine starts slowly
            "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": urlsplit(llm.base_url).netloc,
        },
    )
    yield process, tokens
    process.stop()
    llm.stop_thread()


def _controls_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return CONTROLS & set(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(_controls_in(v) for v in value))
    return set()


def _answer_until_ended(client: Client, session_id: str, token: str) -> None:
    offset, ended, answered = 0, False, 0
    deadline = time.monotonic() + 90
    while not ended and time.monotonic() < deadline:
        polled = client.predict(session_id, offset, token, api_name="/poll")
        offset, ended = polled["offset"], polled["ended"]
        turns = [e for e in polled["events"] if e["type"] == "turn"]
        if turns and turns[-1]["role"] == "interviewer" and not ended:
            answered += 1
            answer = f"Answer {answered}:\x00 we cut\x1b[31m errors\x07 by half.\r\nThen more."
            assert client.predict(session_id, answer, token, api_name="/send_answer") in (
                "sent",
                "ended",
            )
        time.sleep(0.2)
    assert ended


def test_a_megabyte_resume_is_refused_before_anything_is_spent(app):
    process, (coach_token, candidate_token) = app
    client = Client(process.url, verbose=False)
    link = client.predict(
        title="Screen\x1b[5m\n",
        role="Backend\x00 Engineer",
        job_description="Own\x07 billing.",
        questions=["Why\x00 this team?"],
        sponsored=True,
        max_interviews=1,
        max_per_candidate_per_day=1,
        user_token=coach_token,
        api_name="/create_practice_link",
    )
    link_id = link["link_id"]

    with pytest.raises(Exception) as refused:
        client.predict(
            name="Ana",
            role="",
            resume_text="r" * 1_100_000,
            practice_link_id=link_id,
            user_token=candidate_token,
            api_name="/start_interview",
        )
    message = str(refused.value)
    assert "The resume text is too long: 30,000 characters at most" in message
    assert "ValueError" not in message and "Traceback" not in message
    usage = client.predict(link_id, coach_token, api_name="/practice_link_usage")
    assert usage["usage"]["interviews"] == 0

    # the link's only interview and the candidate's only one today are still there
    started = client.predict(
        name="=Ana\x00 \x1b[31mLima\r\n",
        role="",
        resume_text="Led\x00 the\x1b[1m billing\x0b migration.",
        practice_link_id=link_id,
        user_token=candidate_token,
        api_name="/start_interview",
    )
    session_id = started["session_id"]
    with pytest.raises(Exception, match="Your answer is too long: 4,000 characters at most"):
        client.predict(session_id, "a" * 4001, candidate_token, api_name="/send_answer")
    _answer_until_ended(client, session_id, candidate_token)

    folder = process.data_dir / "sessions" / session_id
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    assert meta["candidate_name"] == "=Ana Lima"
    assert not _controls_in(meta)
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    said = [e["text"] for e in events if e["type"] == "turn" and e["role"] == "candidate"]
    assert said and all("we cut errors by half.\nThen more." in text for text in said)
    assert not _controls_in(events)

    report = client.predict(session_id, candidate_token, api_name="/get_report")
    assert not _controls_in(report)
    assert "=Ana Lima" in report["markdown"]

    assert client.predict(session_id, True, candidate_token, api_name="/share_with_coach")
    shared = client.predict(link_id, coach_token, api_name="/shared_reports")
    assert [s["given_name"] for s in shared] == ["=Ana Lima"]
    table = rows_csv([report_row(s["given_name"], s["shared_at"], s["report"]) for s in shared])
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[1][0] == "'=Ana Lima"  # text, never a formula
    assert not _controls_in(table.replace("\r\n", ""))
    _no_controls_in_files(process.data_dir / "sessions")


def _no_controls_in_files(sessions: Path) -> None:
    for path in sessions.rglob("*.json*"):
        lines = path.read_text("utf-8").splitlines() if path.suffix == ".jsonl" else None
        for value in [json.loads(x) for x in lines] if lines else [json.loads(path.read_text())]:
            assert not _controls_in(value), path.name
