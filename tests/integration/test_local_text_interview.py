"""A whole text interview on the app's own local models, with no account: the real
Qwen2.5-Coder 0.5B model on llama.cpp, started by the app on first use, through the app's
named API; then the report, its rubric asked of the same model.

This is the interview a newcomer gets from the README's first command. A small model is
slow and writes tool calls as text: what a candidate would notice is checked — every stage
reached, every interviewer turn plain spoken words that ask something, no turn lost to a
timeout, the report generated and its rubric either scored with verified quotes or said
plainly to have failed.
"""

from __future__ import annotations

import time

import pytest
from gradio_client import Client

from mockflow.feedback.rubric.quotes import normalise_words
from mockflow.interview.markup import markup_kinds
from mockflow.rehearse.conduct import asks
from tests.app_process import AppProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]

TURN_TIMEOUT = 300.0  # a small model on a busy 2-core machine, first start included
ANSWERS = [
    "Hi, thanks for having me. I'm ready.",
    "I'm a backend engineer with five years of experience. Lately I have been leading the "
    "migration of our billing service from a monolith to separate services in Go.",
    "Last year two teams disagreed about who owned the invoice database. I set up a meeting, "
    "wrote down both sides, and we agreed that my team would own the schema while they kept "
    "read access. The migration shipped two weeks early.",
    "I like direct feedback in one to one meetings, with a concrete example. In my first "
    "months I would want to learn how your billing pipeline handles retries.",
    "Yes: how do you measure success for this role in the first six months?",
    "Thank you, that's all from me.",
]
MORE = "Sure. I would add that I always write down what I learned after a project ends."
MAX_ANSWERS = 14


@pytest.fixture(scope="module")
def app(tmp_path_factory, local_models_dir):
    process = AppProcess(
        tmp_path_factory.mktemp("local-app"),
        {
            "MOCKFLOW_MODELS_DIR": str(local_models_dir),
            "MOCKFLOW_OLLAMA_URL": "off",
            "MOCKFLOW_STAGE_SCALE": "0.05",
        },
    )
    yield process
    process.stop()


def _poll_until(client, session_id, offset, predicate, timeout=TURN_TIMEOUT):
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = client.predict(session_id, offset, "", api_name="/poll")
        events += result["events"]
        offset = result["offset"]
        if predicate(events):
            return events, offset
        time.sleep(0.5)
    raise AssertionError(f"no progress in {timeout:.0f} s; got {[e['type'] for e in events]}")


def test_a_text_interview_runs_to_its_report_on_local_models_with_no_account(app):
    client = Client(app.url, verbose=False)
    started = client.predict(
        "Ana", "Backend Engineer", "mid", "behavioral", "short",
        "We use Go, PostgreSQL and Kafka to run billing for small businesses.", "", "",
        api_name="/start_interview",
    )  # fmt: skip
    session_id = started["session_id"]
    timeline: list[dict] = []
    offset, answered = 0, 0
    while True:
        events, offset = _poll_until(
            client,
            session_id,
            offset,
            lambda evs: any(
                e["type"] == "ended" or (e["type"] == "turn" and e["role"] == "interviewer")
                for e in evs
            ),
        )
        timeline += events
        if any(e["type"] == "ended" for e in events) or answered == MAX_ANSWERS:
            break
        answer = ANSWERS[answered] if answered < len(ANSWERS) else MORE
        reply = client.predict(session_id, answer, "", api_name="/send_answer")
        if reply == "ended":
            break
        answered += 1
    if not any(e["type"] == "ended" for e in timeline):
        client.predict(session_id, "", api_name="/end_interview")
        timeline += _poll_until(
            client, session_id, offset, lambda evs: any(e["type"] == "ended" for e in evs)
        )[0]

    said = [e for e in timeline if e["type"] == "turn" and e["role"] == "interviewer"]
    errors = [e["message"] for e in timeline if e["type"] == "error"]
    ended = next(e for e in timeline if e["type"] == "ended")
    transcript = "\n".join(f"{e['stage']}: {e['text']}" for e in said)
    assert not errors, f"{errors}\n{transcript}"
    assert ended["reason"] == "completed", transcript
    stages = [e["stage"] for e in timeline if e["type"] == "stage"]
    assert stages == ["greeting", "self_intro", "past_experience", "company_fit", "closing"]
    assert said and all(e["text"].strip() for e in said)
    marked = {e["text"]: markup_kinds(e["text"]) for e in said if markup_kinds(e["text"])}
    assert not marked, marked  # no tool call, JSON, fence, tag or markdown reached a turn
    # every turn but the goodbye asks: a question, or a request ("Tell me about...")
    asked = [e for e in said[:-1] if asks(e["text"])]
    assert len(asked) == len(said) - 1, transcript

    report = client.predict(session_id, "", api_name="/generate_report")
    data = report["report"]
    assert data["analytics"]["answers"], report["markdown"][:500]
    rubric = data["rubric"]
    # the rubric was asked of the local model: scored, or its failure said in words
    assert rubric is not None or (data["rubric_failed"] and data["rubric_note"]), data
    if rubric is not None:
        said_words = " ".join(normalise_words(" ".join([*ANSWERS, MORE])))
        for competency in rubric["competencies"]:
            for evidence in competency["evidence"]:  # only quotes the candidate really said
                assert " ".join(normalise_words(evidence["quote"])) in said_words
