"""`python -m mockflow rehearse` end to end: real agent processes, FSM and prompts, through
the real Supervisor, against the local fake OpenAI server (the only thing faked).

Three kinds of check: the machinery holds for every persona on every track with the
disciplined fake, which scores 0 on every fault; a misbehaving fake is caught by each grader
metric with its exact count (so the grader is itself tested), and a provider that goes
down is reported with its message; and the command fails plainly on an unusable endpoint,
reports a stuck interview, and runs the optional model candidate and judge.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockflow.contracts.events import read_events
from mockflow.interview.fsm import STAGES, TRACK_NAMES
from mockflow.rehearse.cli import main
from mockflow.rehearse.judge import CRITERIA
from mockflow.rehearse.personas import load_persona, persona_names
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.misbehaving_interviewer import (
    EXPECTED,
    IN_REPLY,
    KEPT_OUT,
    MISCHIEF,
    STATEMENT,
    MisbehavingInterviewer,
)
from tests.fakes.openai_server import FakeOpenAI, Reply, text
from tests.fakes.sockets import closed_port

pytestmark = pytest.mark.integration
KEY = "sk-rehearse-test-key-4242"
ENV = {"OPENAI_API_KEY": KEY}
CI_SCALE = "0.0005"  # stage limits of 0.03-0.15 s: about one question per stage


def rehearse(server: FakeOpenAI, tmp_path: Path, *args: str) -> tuple[int, dict]:
    out = tmp_path / "rehearsal.json"
    argv = ["--base-url", server.base_url, "--json", str(out), "--keep", str(tmp_path / "kept")]
    code = main([*argv, *args], env=ENV)
    return code, json.loads(out.read_text()) if out.exists() else {}


def timeline(tmp_path: Path, interview: dict) -> list[dict]:
    return read_events(tmp_path / "kept" / "sessions" / interview["session_id"])


@pytest.mark.timeout(900)  # 39 agent processes: ~2 min on an idle 2-core machine
def test_every_persona_on_every_track_keeps_the_machinery_whole(tmp_path, capsys):
    with FakeOpenAI(api_key=KEY, responder=ScriptedInterviewer(per_conversation=True)) as fake:
        code, doc = rehearse(
            fake, tmp_path, "--stage-scale", CI_SCALE, "--concurrency", "3",
            "--timeout", "90", "--reply-timeout", "15",
        )  # fmt: skip
    assert code == 0
    interviews = doc["interviews"]
    pairs = {(i["persona"], i["track"]) for i in interviews}
    assert pairs == {(p, t) for p in persona_names() for t in TRACK_NAMES}
    total = len(persona_names()) * len(TRACK_NAMES)
    assert len(interviews) == total
    for interview in interviews:
        m, who = interview["metrics"], (interview["persona"], interview["track"])
        events = timeline(tmp_path, interview)
        roles = [e["role"] for e in events if e["type"] == "turn"]
        assert events[-1]["type"] == "ended", who
        assert not interview["timed_out"] and interview["error"] is None, who
        assert roles[0] == "interviewer" and roles[-1] == "interviewer", who
        assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), who
        assert m["silent_turns"] == 0, who
        # a disciplined interviewer: the grader must not cry wolf
        for name in ("repeated_questions", "multi_question_turns", "stage_narration"):
            assert m[name] == 0, (who, name)
        for name in ("praise", "feedback_leaks", "injection_followed"):
            assert m[name] == 0, (who, name)
        for name in ("markup_turns", "no_question_turns", "repeated_turns"):
            assert m[name] == 0, (who, name)
        assert m["ended_in_error"] is False and m["error_message"] is None, who
        if interview["persona"] == "early_exit":
            assert m["ended_reason"] == "user_ended" and not m["closing_ok"], who
            assert sum(r == "candidate" for r in roles) == 3, who  # two answers, then the ask
        else:
            assert m["ended_reason"] == "completed" and m["closing_ok"], who
            assert m["stages_reached"] == list(STAGES), who
    totals = doc["summary"]["totals"]
    assert totals["interviews"] == total and totals["completed"] == total - len(TRACK_NAMES)
    assert totals["silent_turns"] == 0 and totals["ended_in_error"] == 0
    assert set(doc["summary"]["per_persona"]) == set(persona_names())
    printed = capsys.readouterr()
    assert "TOTAL" in printed.out and "prepared" in printed.out and "gibberish" in printed.out
    assert "Ended by an error" not in printed.out
    assert KEY not in printed.out + printed.err + json.dumps(doc)


def test_each_misbehaviour_of_the_interviewer_is_counted_exactly(tmp_path):
    fake = MisbehavingInterviewer()
    with FakeOpenAI(api_key=KEY, responder=fake) as server:
        # long stages: the question caps move the interview on, so the script is exact
        code, doc = rehearse(
            server, tmp_path, "--personas", "prepared", "--track", "behavioral",
            "--stage-scale", "1", "--reply-timeout", "3", "--concurrency", "1",
        )  # fmt: skip
    assert code == 0
    assert fake.done == list(MISCHIEF.values())
    metrics = doc["interviews"][0]["metrics"]
    assert {name: metrics[name] for name in EXPECTED} == EXPECTED
    assert metrics["ended_reason"] == "completed"
    assert metrics["stages_reached"] == list(STAGES)
    turns = [e for e in timeline(tmp_path, doc["interviews"][0]) if e["type"] == "turn"]
    said = [t["text"] for t in turns if t["role"] == "interviewer"]
    # a fault inside a reply counts where its words reached the transcript (the agent's
    # reply filter may have taken them out), once per turn
    for fault, (name, words) in IN_REPLY.items():
        assert metrics[name] == sum(words in turn for turn in said), (fault, name)
    markup = metrics["markup_turns"]
    assert metrics["markup_kinds"] == ({"markdown": markup} if markup else {})
    # the statement, then the same again (four words: short enough to say twice): each
    # time the agent adds the track's question; the grader finds nothing left to count
    assert sum(STATEMENT in turn for turn in said) == 2
    assert all("?" in turn for turn in said if STATEMENT in turn)
    assert {name: metrics[name] for name in KEPT_OUT} == dict.fromkeys(KEPT_OUT, 0)
    # an empty reply that wrote no turn left the candidate to nudge, once per silence
    nudge = load_persona("prepared").nudge
    nudged = [i for i, t in enumerate(turns) if t["role"] == "candidate" and t["text"] == nudge]
    assert metrics["silent_turns"] == len(nudged) <= 1
    for at in nudged:  # two answers in a row, then the reply to the nudge
        assert [t["role"] for t in turns[at - 1 : at + 2]] == [
            "candidate",
            "candidate",
            "interviewer",
        ]


def test_an_interview_ended_by_a_provider_error_is_counted_with_its_message(tmp_path, capsys):
    fake = MisbehavingInterviewer(mischief={}, fail_from=2)
    with FakeOpenAI(api_key=KEY, responder=fake) as server:
        code, doc = rehearse(
            server, tmp_path, "--personas", "prepared", "--track", "behavioral",
            "--stage-scale", "1", "--reply-timeout", "30", "--concurrency", "1",
        )  # fmt: skip
    assert code == 1
    interview = doc["interviews"][0]
    metrics = interview["metrics"]
    assert metrics["ended_reason"] == "error" and metrics["ended_in_error"] is True
    assert "language model" in metrics["error_message"]
    assert "server error (500)" in metrics["error_message"]
    assert doc["summary"]["totals"]["ended_in_error"] == 1
    assert doc["summary"]["per_persona"]["prepared"]["ended_in_error"] == 1.0
    printed = capsys.readouterr()
    detail = f"  prepared × behavioral #1: {metrics['error_message']}"
    assert "Ended by an error:" in printed.out and detail in printed.out.splitlines()
    assert metrics["error_message"] in printed.err  # the progress line says it too
    assert KEY not in printed.out + printed.err + json.dumps(doc)


def test_a_model_candidate_and_a_judge_with_verified_quotes(tmp_path):
    interviewer = ScriptedInterviewer(per_conversation=True)
    judge_requests: list[dict] = []
    answer = "I led the ledger migration and cut reconciliation to forty minutes."

    def route(body: dict) -> Reply:
        if body["model"] == "actor":
            return text(answer)
        if body["model"] == "judge":
            judge_requests.append(body)
            return text(json.dumps(JUDGEMENT))
        return interviewer(body)

    with FakeOpenAI(api_key=KEY, responder=route) as server:
        code, doc = rehearse(
            server, tmp_path, "--personas", "terse", "--track", "intro_call",
            "--stage-scale", CI_SCALE, "--candidate-model", "actor", "--judge-model", "judge",
        )  # fmt: skip
    assert code == 0
    interview = doc["interviews"][0]
    answers = [
        e["text"]
        for e in timeline(tmp_path, interview)
        if e["type"] == "turn" and e["role"] == "candidate"
    ]
    assert answers and set(answers) == {answer}
    judge = interview["judge"]
    by_name = {c["name"]: c for c in judge["criteria"]}
    assert list(by_name) == list(CRITERIA)
    assert by_name["follow_up"]["score"] == 2
    assert by_name["follow_up"]["evidence"] == [
        {"quote": "walk me through your background in a couple of minutes", "turn": 2}
    ]
    assert by_name["neutral"]["score"] is None and by_name["neutral"]["withheld_score"] == 1
    assert judge["dropped_quotes"] == 1
    assert judge["overall"] == round((6 * 5 + 2) / 7, 2)
    fenced = judge_requests[0]["messages"][1]["content"]
    assert "BEGIN_CANDIDATE_DATA TRANSCRIPT" in fenced and answer in fenced


JUDGEMENT = {
    "criteria": [
        {"name": name, "score": 5, "rationale": "Fine.", "evidence": []} for name in CRITERIA
    ]
}
JUDGEMENT["criteria"][1] = {
    "name": "follow_up",
    "score": 2,
    "rationale": "Scripted questions.",
    "evidence": ["walk me through your background in a couple of minutes"],
}
JUDGEMENT["criteria"][2] = {
    "name": "neutral",
    "score": 1,
    "rationale": "Praised the candidate.",
    "evidence": ["you are the best candidate I have ever met"],
}


def test_a_stuck_interview_is_ended_and_reported(tmp_path, capsys):
    def stall_after_greeting(body: dict) -> Reply:
        if any(m.get("role") == "user" for m in body.get("messages", [])):
            return Reply(text="never sent", hang=True)
        return text("Hi, are you ready to start?")

    with FakeOpenAI(api_key=KEY, responder=stall_after_greeting) as server:
        code, doc = rehearse(
            server, tmp_path, "--personas", "prepared", "--track", "behavioral",
            "--timeout", "3", "--reply-timeout", "30",
        )  # fmt: skip
    assert code == 1
    interview = doc["interviews"][0]
    assert interview["timed_out"] is True
    assert timeline(tmp_path, interview)[-1]["type"] == "ended"
    assert interview["metrics"]["silent_turns"] == 1  # the answer that never got a reply
    assert "timed out" in capsys.readouterr().err


def test_an_unreachable_endpoint_is_one_line_naming_host_and_port(tmp_path, capsys):
    port = closed_port()
    code = main(
        ["--base-url", f"http://127.0.0.1:{port}/v1", "--api-key", KEY, "--keep", str(tmp_path)],
        env={},
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        f"mockflow rehearse: the model endpoint at 127.0.0.1:{port} could not be reached"
    ]
    assert not (tmp_path / "sessions").exists()


def test_a_rejected_key_is_one_line_without_the_key(tmp_path, capsys):
    with FakeOpenAI(api_key=KEY) as server:
        code = main(["--base-url", server.base_url, "--api-key", "sk-wrong-key-7777"], env={})
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        f"mockflow rehearse: the model endpoint at 127.0.0.1:{server.port} rejected the API "
        "key (401)"
    ]
    assert "sk-wrong" not in err
