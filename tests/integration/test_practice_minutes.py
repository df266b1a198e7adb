"""A practice link's minutes hold while its interviews run (issue 25, finding 2), through
the named API of the real app behind a public link, on the fake OpenAI-compatible model:
three candidates start at once on a sponsored link with 2 minutes in total and 1 per
interview; two are granted a minute each and the third is refused with the reason; each
of the two, gone quiet, is closed and then stopped at its minute with the interviewer's
out-of-time line, and the link's recorded usage stays within its total plus one closing
minute. A question left unanswered on a sponsored link ends the interview after two
minutes, long before the general idle stop. A link's minute lasts `MINUTE` seconds here
(`MOCKFLOW_PRACTICE_MINUTE_SECONDS`)."""

from __future__ import annotations

import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from gradio_client import Client

from mockflow.agent.controller import NO_ANSWER, OUT_OF_TIME
from mockflow.app.identity import AnonymousCredentials
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from mockflow.store.vault import ProviderKeys, Vault
from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI
from tests.waiting import eventually

pytestmark = pytest.mark.integration
COACH_KEY = "sk-coach-minutes-key-5173"
MINUTE = 12.0  # seconds: long enough for three starts on a loaded machine to overlap
CLOSING_MINUTE = 1.0


@pytest.fixture(scope="module")
def coach_app(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("practice_minutes")
    llm = FakeOpenAI(
        api_key=COACH_KEY, responder=ScriptedInterviewer(answers_per_stage=1, per_conversation=True)
    )
    llm.start_in_thread()
    settings = Settings(data_dir=tmp_path)
    store = Store.open(settings)
    coach = new_browser_id()
    vault = Vault.open(settings, store)
    vault.save_keys(coach, ProviderKeys(openai_api_key=COACH_KEY, openai_base_url=llm.base_url))
    coach_token = AnonymousCredentials(vault.derive_key("anonymous-credentials")).issue(coach)
    store.close()
    app = AppProcess(
        tmp_path,
        {
            "MOCKFLOW_PUBLIC": "1",
            "MOCKFLOW_PRACTICE_MINUTE_SECONDS": str(MINUTE),
            "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": urlsplit(llm.base_url).netloc,
            # three candidates polling five times a second from one loopback address stand
            # for three people on three networks: the request rate limit is not measured here
            "MOCKFLOW_REQUEST_RATE": "0",
        },
    )
    client = Client(app.url, verbose=False)
    printed = (app.data_dir / "app.log").read_text("utf-8")
    invite = re.search(r"become_coach with invite=(\S+)", printed)
    assert invite, "the app printed no coach invite"
    assert client.predict(invite.group(1), coach_token, api_name="/become_coach")["coach"]
    yield app, client, coach_token
    app.stop()
    llm.stop_thread()


def _link(client: Client, coach_token: str, **quotas: int) -> str:
    link = client.predict(
        title="Backend screen",
        role="Backend Engineer",
        track="behavioral",
        modes=["text"],
        sponsored=True,
        days=1,
        user_token=coach_token,
        api_name="/create_practice_link",
        **quotas,
    )
    return str(link["link_id"])


def _candidate(app: AppProcess, link_id: str, name: str, answers: int) -> dict[str, Any]:
    """A candidate who starts through the link, answers `answers` questions, then goes
    quiet; what they saw: their events, or the reason the start was refused."""
    client = Client(app.url, verbose=False)
    seen: dict[str, Any] = {"name": name, "events": []}

    def run(start: threading.Barrier) -> None:
        start.wait()
        try:
            started = client.predict(
                name=name, role="x", practice_link_id=link_id, api_name="/start_interview"
            )
        except Exception as exc:
            seen["refused"] = str(exc)
            return
        session_id, token = started["session_id"], started["user_token"]
        seen["session"] = (session_id, token)
        offset, ended, answered = 0, False, 0
        deadline = time.monotonic() + 20 * MINUTE
        while not ended and time.monotonic() < deadline:
            polled = client.predict(session_id, offset, token, api_name="/poll")
            offset, ended = polled["offset"], polled["ended"]
            seen["events"] += polled["events"]
            turns = [e for e in seen["events"] if e["type"] == "turn"]
            asked = bool(turns) and turns[-1]["role"] == "interviewer"
            if asked and answered < answers:
                answered += 1
                client.predict(session_id, "We cut errors by half.", token, api_name="/send_answer")
            time.sleep(0.2)  # the poll's pace, as a page polls

    seen["run"] = run
    return seen


def _run_at_once(candidates: list[dict[str, Any]]) -> None:
    start = threading.Barrier(len(candidates))
    threads = [threading.Thread(target=c.pop("run"), args=(start,)) for c in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30 * MINUTE)


def _recorded(client: Client, seen: dict[str, Any]) -> bool:
    """Whether the app has recorded the candidate's interview as stopped at its time (its
    minutes are recorded in the same step)."""
    report = client.predict(*seen["session"], api_name="/get_report")
    return report["status"] == "timeout"


def _interviewer_lines(events: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in events if e["type"] == "turn" and e["role"] == "interviewer"]


def test_three_candidates_at_once_stay_within_the_links_minutes(coach_app):
    app, client, coach_token = coach_app
    link_id = _link(client, coach_token, max_total_minutes=2, max_minutes_per_interview=1)
    candidates = [_candidate(app, link_id, name, answers=1) for name in ("Ana", "Ben", "Cy")]
    _run_at_once(candidates)

    ran = [c for c in candidates if "refused" not in c]
    refused = [c["refused"] for c in candidates if "refused" in c]
    assert len(ran) == 2 and len(refused) == 1
    assert "held by interviews running now" in refused[0]  # the third is told why
    for seen in ran:
        events = seen["events"]
        ended = [e for e in events if e["type"] == "ended"]
        assert ended and ended[-1]["reason"] == "timeout"  # stopped by its minute
        closing = [e for e in events if e["type"] == "stage" and e["stage"] == "closing"]
        assert closing and closing[0]["reason"] == "timer"  # closed before the end
        first_name = seen["name"]
        assert _interviewer_lines(events)[-1] == OUT_OF_TIME.format(name=first_name)

    assert all(eventually(lambda c=c: _recorded(client, c), timeout=60) for c in ran)
    usage = client.predict(link_id, coach_token, api_name="/practice_link_usage")["usage"]
    assert usage["interviews"] == 2
    assert 0 < usage["minutes"] <= 2 + CLOSING_MINUTE


def test_a_question_left_unanswered_ends_a_sponsored_interview_after_two_minutes(coach_app):
    app, client, coach_token = coach_app
    link_id = _link(client, coach_token, max_interviews=1)
    candidate = _candidate(app, link_id, "Dee", answers=0)
    _run_at_once([candidate])

    events = candidate["events"]
    ended = [e for e in events if e["type"] == "ended"]
    assert ended and ended[-1]["reason"] == "timeout"
    assert _interviewer_lines(events)[-1] == NO_ANSWER.format(name="Dee")  # told why
    assert eventually(lambda: _recorded(client, candidate), timeout=60)
    usage = client.predict(link_id, coach_token, api_name="/practice_link_usage")["usage"]
    assert usage["minutes"] <= 2 + CLOSING_MINUTE  # not the general 10-minute idle stop
