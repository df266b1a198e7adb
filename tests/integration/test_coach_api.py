"""Practice links through the named API of the real app behind a public link
(gradio_client): the coach redeems the invite the app printed on its console, creates a
sponsored link with a must-ask question and a quota of one; a candidate with no keys runs
an interview through it on the coach's key (which no response shows), shares the report;
the coach reads it; a second candidate is refused; a tampered id is "does not exist"."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from gradio_client import Client

from mockflow.app.identity import AnonymousCredentials
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from mockflow.store.vault import ProviderKeys, Vault
from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
COACH_KEY = "sk-coach-sponsored-key-8642"
QUESTION = "What broke in your last migration, and what did you change?"


@pytest.fixture
def coach_app(tmp_path):
    llm = FakeOpenAI(api_key=COACH_KEY, responder=ScriptedInterviewer(answers_per_stage=1))
    llm.start_in_thread()
    settings = Settings(data_dir=tmp_path)
    store = Store.open(settings)
    coach = new_browser_id()  # the coach's browser, with their keys saved in Settings
    vault = Vault.open(settings, store)
    vault.save_keys(coach, ProviderKeys(openai_api_key=COACH_KEY, openai_base_url=llm.base_url))
    coach_token = AnonymousCredentials(vault.derive_key("anonymous-credentials")).issue(coach)
    store.close()
    app = AppProcess(
        tmp_path,
        {
            "MOCKFLOW_PUBLIC": "1",
            "MOCKFLOW_STAGE_SCALE": "0.05",
            "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": urlsplit(llm.base_url).netloc,
        },
    )
    yield app, llm, coach_token
    app.stop()
    llm.stop_thread()


def _invite(app: AppProcess) -> str:
    printed = (app.data_dir / "app.log").read_text("utf-8")
    found = re.search(r"become_coach with invite=(\S+)", printed)
    assert found, "the app printed no coach invite"
    return found.group(1)


def _run_interview(client: Client, session_id: str, token: str) -> None:
    """Answer each question until the interview ends (the fake asks one per stage)."""
    offset, answered, ended = 0, 0, False
    deadline = time.monotonic() + 60
    while not ended and time.monotonic() < deadline:
        polled = client.predict(session_id, offset, token, api_name="/poll")
        offset, ended = polled["offset"], polled["ended"]
        turns = [e for e in polled["events"] if e["type"] == "turn"]
        if turns and turns[-1]["role"] == "interviewer":
            answered += 1
            client.predict(
                session_id,
                f"Answer {answered}: we cut errors by half.",
                token,
                api_name="/send_answer",
            )
        time.sleep(0.2)
    assert ended


def test_a_coach_link_runs_a_candidates_interview_on_the_coachs_key(coach_app):
    app, llm, coach_token = coach_app
    client = Client(app.url, verbose=False)
    with pytest.raises(Exception, match="Only this app's coach"):
        client.predict(
            "Screen", "Data Engineer", user_token=coach_token, api_name="/create_practice_link"
        )
    assert client.predict(_invite(app), coach_token, api_name="/become_coach")["coach"] is True
    with pytest.raises(Exception, match="not valid"):
        client.predict(_invite(app), "", api_name="/become_coach")  # it worked once
    link = client.predict(
        title="Backend screen",
        role="Backend Engineer",
        level="senior",
        track="technical",
        length="short",
        job_description="Own the billing service.",
        questions=[QUESTION],
        focus_notes="Probe for numbers.",
        modes=["text"],
        sponsored=True,
        days=7,
        max_interviews=1,
        user_token=coach_token,
        api_name="/create_practice_link",
    )
    link_id = link["link_id"]

    # a candidate with no keys of their own
    started = client.predict(
        name="Ana", role="ignored", practice_link_id=link_id, api_name="/start_interview"
    )
    session_id, ana = started["session_id"], started["user_token"]
    responses = [str(started)]
    _run_interview(client, session_id, ana)
    assert any(QUESTION in str(body) for body in llm.requests)  # the coach's question asked
    report = client.predict(session_id, ana, api_name="/get_report")
    responses.append(str(report))
    assert client.predict(session_id, True, ana, api_name="/share_with_coach") == "shared"

    shared = client.predict(link_id, coach_token, api_name="/shared_reports")
    assert [s["given_name"] for s in shared] == ["Ana"]
    usage = client.predict(link_id, coach_token, api_name="/practice_link_usage")
    assert usage["usage"]["interviews"] == 1 and usage["usage"]["shared_reports"] == 1

    # the quota of one is spent: the next candidate is told so, and nothing starts
    with pytest.raises(Exception, match="no interviews left"):
        client.predict(name="Ben", role="x", practice_link_id=link_id, api_name="/start_interview")
    tampered = link_id[:-2] + ("AA" if not link_id.endswith("AA") else "BB")
    with pytest.raises(Exception, match="does not exist"):
        client.predict(name="Eve", role="x", practice_link_id=tampered, api_name="/start_interview")
    # a stranger reads nothing of the link
    with pytest.raises(Exception, match="Only this app's coach"):
        client.predict(link_id, ana, api_name="/shared_reports")
    # withdrawn: the coach's access goes
    assert client.predict(session_id, False, ana, api_name="/share_with_coach") == "withdrawn"
    assert client.predict(link_id, coach_token, api_name="/shared_reports") == []
    assert not any(COACH_KEY in r for r in responses)  # the coach's key never reached Ana
