"""agent_entry.py as a real subprocess: contracts 1-3 end to end, and every failure mode.

The launch spec points the real livekit-plugins-openai at the local fake server.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from mockflow.contracts.events import read_events
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI, error, text
from tests.fakes.sockets import closed_port
from tests.integration.conftest import make_spec, send, spawn_agent

pytestmark = pytest.mark.integration
LONG_STAGES = {s: 120.0 for s in ("greeting", "self_intro", "past_experience", "company_fit")}
ANSWERS = [
    "Yes, I'm ready, thanks for having me.",
    "I'm a backend engineer; for five years I've built payment systems in Python and Go.",
    "I led the migration of our ledger to Postgres, and cut reconciliation time in half.",
    "I like direct feedback; my last manager reviewed my design docs line by line.",
    "No questions from me, thank you.",
    "Thanks again!",
    "Bye.",
]


def events_of(spec: dict) -> list[dict]:
    return read_events(f"{spec['session_dir']}/events.jsonl")


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()) is not None and value is not False:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def turns_of(spec: dict) -> list[dict]:
    try:
        return [e for e in events_of(spec) if e["type"] == "turn"]
    except Exception:
        return []


def drive(proc, spec: dict, delay: float = 0.0, timeout: float = 60.0) -> list[dict]:
    """Answer each interviewer question `delay` seconds after it arrives, until the agent exits."""
    answered = 0
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        turns = turns_of(spec)
        waiting = turns and turns[-1]["role"] == "interviewer"
        if waiting and sum(t["role"] == "candidate" for t in turns) == answered:
            time.sleep(delay)
            send(proc, {"type": "user_text", "text": ANSWERS[answered % len(ANSWERS)]})
            answered += 1
        time.sleep(0.05)
    proc.wait(timeout=15)
    return events_of(spec)


def assert_well_formed(events: list[dict], reason: str) -> None:
    assert events[0]["type"] == "ready"
    assert events[-1] == {**events[-1], "type": "ended", "reason": reason}
    assert sum(e["type"] == "ended" for e in events) == 1
    turns = [e for e in events if e["type"] == "turn"]
    roles = [t["role"] for t in turns]
    assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), roles
    assert all(t["text"].strip() and t["stage"] for t in turns)


@pytest.mark.parametrize("track", ["intro_call", "behavioral", "technical"])
def test_whole_interview_per_track_driven_by_the_tool(tmp_path, fake_llm, track):
    fake_llm.responder = ScriptedInterviewer(answers_per_stage=1)
    # 5 s stages: the guard's minimum time (20 %) passes before each 1.1 s-late answer
    stages = {s: 5.0 for s in ("greeting", "self_intro", "past_experience", "company_fit")}
    stages["closing"] = 5.0
    spec = make_spec(tmp_path, fake_llm.base_url, track=track, stage_overrides=stages)
    proc = spawn_agent(spec)
    assert json.loads(proc.stdout.readline())["warm"] is True
    events = drive(proc, spec, delay=1.1)
    assert proc.returncode == 0
    assert_well_formed(events, "completed")
    transitions = [(e["stage"], e["reason"]) for e in events if e["type"] == "stage"]
    assert [stage for stage, _ in transitions] == [
        "greeting",
        "self_intro",
        "past_experience",
        "company_fit",
        "closing",
    ]
    # the model's requests carried the interview; the question cap only as a backstop
    reasons = [reason for _, reason in transitions[1:]]
    assert reasons.count("tool") >= 3 and set(reasons) <= {"tool", "limit"}
    assert events[0]["track"] == track
    turns = [e for e in events if e["type"] == "turn"]
    assert turns[0]["role"] == "interviewer" and turns[-1]["role"] == "interviewer"
    assert "Goodbye" in turns[-1]["text"]
    assert 11 <= len(turns) <= 17  # about one question per stage, then the goodbye
    # what the providers were used for, from the framework's figures: the fake's token
    # counts summed over every request; no speech in a text interview
    usage = next(e for e in events if e["type"] == "usage")
    assert events.index(usage) == len(events) - 2  # just before `ended`
    sent = fake_llm.usage_totals()
    assert (usage["llm_input_tokens"], usage["llm_output_tokens"]) == sent
    assert usage["tts_characters"] is None and usage["stt_audio_seconds"] is None


def test_timer_alone_carries_the_interview_to_the_end(tmp_path, fake_llm):
    fake_llm.responder = ScriptedInterviewer(use_tools=False)
    spec = make_spec(tmp_path, fake_llm.base_url)
    spec["stage_overrides"] = {s: 1.0 for s in LONG_STAGES} | {"closing": 1.0}
    proc = spawn_agent(spec)
    proc.stdout.readline()
    answered = 0
    while proc.poll() is None and answered < 30:
        time.sleep(1.1)  # each answer arrives after the stage's limit has passed
        if turns_of(spec) and turns_of(spec)[-1]["role"] == "interviewer":
            send(proc, {"type": "user_text", "text": f"Answer number {answered + 1}."})
            answered += 1
    proc.wait(timeout=15)
    events = events_of(spec)
    assert_well_formed(events, "completed")
    reasons = [e["reason"] for e in events if e["type"] == "stage"]
    assert reasons == ["start", "timer", "timer", "timer", "timer"]


def test_each_reply_is_written_as_it_is_generated_before_its_turn(tmp_path, fake_llm):
    # the reply filter lets a reply through a sentence at a time: replies of a few sentences
    fake_llm.enqueue(
        text("Hi, thanks for joining me today. I'm Sam from the team. Are you ready to start?"),
        text("Thanks for that. I'd like to hear more. What did you build there?"),
    )
    fake_llm.chunk_delay = 0.03  # a model's pace: the reply takes a while to come
    spec = make_spec(tmp_path, fake_llm.base_url, stage_overrides=LONG_STAGES)
    proc = spawn_agent(spec)
    proc.stdout.readline()
    wait_for(lambda: len(turns_of(spec)) >= 1)
    send(proc, {"type": "user_text", "text": ANSWERS[1]})
    wait_for(lambda: len(turns_of(spec)) >= 3)
    send(proc, {"type": "end"})
    proc.wait(timeout=15)
    events = events_of(spec)
    for turn in (t for t in events if t["type"] == "turn" and t["role"] == "interviewer"):
        at = events.index(turn)
        start = max((i for i, e in enumerate(events[:at]) if e["type"] == "turn"), default=-1)
        drafts = [e for e in events[start + 1 : at] if e["type"] == "draft"]
        assert len(drafts) >= 2  # seen growing, not only whole
        assert len({d["reply"] for d in drafts}) == 1
        assert "".join(d["delta"] for d in drafts).strip() == turn["text"]
        assert drafts[0]["t"] < drafts[-1]["t"] <= turn["t"]


def test_a_coachs_questions_are_asked_one_at_a_time_in_their_stages(tmp_path, fake_llm):
    fake_llm.responder = ScriptedInterviewer(answers_per_stage=1)
    first, second = "What broke in your last migration?", "Why do you want to join a startup?"
    spec = make_spec(tmp_path, fake_llm.base_url, stage_overrides=LONG_STAGES)
    spec["coach"] = {"questions": [first, second], "focus_notes": "Probe for numbers."}
    proc = spawn_agent(spec)
    proc.stdout.readline()
    events = drive(proc, spec, delay=0.2)
    assert_well_formed(events, "completed")
    systems = [
        "\n".join(str(m.get("content")) for m in body["messages"] if m["role"] == "system")
        for body in fake_llm.requests
    ]
    asks_first = [i for i, text in enumerate(systems) if first in text]
    asks_second = [i for i, text in enumerate(systems) if second in text]
    assert asks_first and asks_second and max(asks_first) < min(asks_second)  # in order
    assert not any(first in text and second in text for text in systems)  # one at a time
    assert "COACH" in systems[asks_first[0]] and "Probe for numbers." in systems[asks_first[0]]
    stages = [e["stage"] for e in events if e["type"] == "stage"]
    assert stages == ["greeting", "self_intro", "past_experience", "company_fit", "closing"]
    assert first not in systems[-1] and second not in systems[-1]  # asked, then dropped


def test_bad_launch_spec_is_one_line_and_exit_2(tmp_path):
    proc = spawn_agent('{"session_id": "iv_x", "candidate": {}}')
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "launch spec" in lines[0] and "Traceback" not in err.decode()


def test_unknown_track_is_one_line_and_exit_2(tmp_path, fake_llm):
    proc = spawn_agent(make_spec(tmp_path, fake_llm.base_url, track="sales"))
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.decode().strip().splitlines() == [
        "mockflow-agent: launch spec: unknown track 'sales'; "
        "expected one of intro_call, behavioral, technical"
    ]


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ("401", "rejected the API key (401)"),
        ("429", "rate limit or quota exhausted (429)"),
        ("500", "server error (500)"),
        ("hang", "did not answer in time"),
        ("refused", "could not be reached"),
    ],
)
def test_provider_failures_end_cleanly_with_a_plain_error(tmp_path, fake_llm, failure, expected):
    """A rejected key or an exhausted quota ends at once; a server that errs or hangs ends
    after three failed turns in a row (each skipped with an apology the candidate answers);
    a local server that stays refused, after its grace."""
    base_url = fake_llm.base_url
    key = "sk-test-fake-key-000111"
    if failure == "401":
        key = "sk-wrong-key-999888777"
    elif failure == "429":
        fake_llm.fail_all = error(429, "You exceeded your current quota")
        fake_llm.fail_all.code = "insufficient_quota"
    elif failure == "500":
        fake_llm.fail_all = error(500)
    elif failure == "hang":
        fake_llm.fail_all = text("never sent")
        fake_llm.fail_all.hang = True
    else:
        base_url = f"http://127.0.0.1:{closed_port()}/v1"
    spec = make_spec(tmp_path, base_url)
    spec["providers"]["llm"]["api_key"] = key
    spec["providers"]["llm"]["timeout"] = 2.0
    proc = spawn_agent(spec)
    proc.stdout.readline()
    events = drive(proc, spec, timeout=90)
    assert proc.returncode == 1
    apologies = [t for t in events if t["type"] == "turn" and t["role"] == "interviewer"]
    assert len(apologies) == (2 if failure in ("500", "hang") else 0)
    errors = [e for e in events if e["type"] == "error"]
    assert errors and errors[0]["fatal"] is True
    assert expected in errors[0]["message"]
    assert "language model" in errors[0]["message"]
    assert events[-1]["type"] == "ended" and events[-1]["reason"] == "error"
    everything = (tmp_path / "session" / "events.jsonl").read_text() + (
        tmp_path / "session" / "agent.log"
    ).read_text()
    assert key not in everything


def test_answer_sent_while_interviewer_is_generating_is_queued(tmp_path, fake_llm):
    fake_llm.enqueue(text("Hi Ana, ready to start?"))
    slow = text("Great. Tell me about yourself.")
    slow.delay = 1.5
    fake_llm.enqueue(slow, text("And what are you working on now?"))
    spec = make_spec(tmp_path, fake_llm.base_url)
    spec["stage_overrides"] = LONG_STAGES
    proc = spawn_agent(spec)
    proc.stdout.readline()
    wait_for(lambda: turns_of(spec) or None)
    send(proc, {"type": "user_text", "text": "Yes, ready."})
    time.sleep(0.5)  # the interviewer is still generating its slow reply
    send(proc, {"type": "user_text", "text": "Also, I prefer mornings."})
    wait_for(lambda: len(turns_of(spec)) >= 5 or None)
    send(proc, {"type": "end"})
    proc.wait(timeout=20)
    events = events_of(spec)
    candidate = [t["text"] for t in turns_of(spec) if t["role"] == "candidate"]
    assert candidate == ["Yes, ready.", "Also, I prefer mornings."]
    assert events[-1]["reason"] == "user_ended"


def test_stdin_eof_ends_with_app_gone_and_keeps_turns(tmp_path, fake_llm):
    fake_llm.responder = ScriptedInterviewer()
    spec = make_spec(tmp_path, fake_llm.base_url, stage_overrides=LONG_STAGES)
    proc = spawn_agent(spec)
    proc.stdout.readline()
    wait_for(lambda: turns_of(spec) or None)
    send(proc, {"type": "user_text", "text": "Ready when you are."})
    wait_for(lambda: len(turns_of(spec)) >= 3 or None)
    proc.stdin.close()
    proc.wait(timeout=15)
    events = events_of(spec)
    assert events[-1]["reason"] == "app_gone"
    assert [t["role"] for t in turns_of(spec)] == ["interviewer", "candidate", "interviewer"]


def test_skip_stage_moves_on_at_once_with_a_question(tmp_path, fake_llm):
    fake_llm.responder = ScriptedInterviewer()
    spec = make_spec(tmp_path, fake_llm.base_url, stage_overrides=LONG_STAGES)
    proc = spawn_agent(spec)
    proc.stdout.readline()
    wait_for(lambda: turns_of(spec) or None)
    send(proc, {"type": "skip_stage"})
    wait_for(lambda: len(turns_of(spec)) >= 2 or None)
    send(proc, {"type": "end"})
    proc.wait(timeout=15)
    events = events_of(spec)
    assert [(e["stage"], e["reason"]) for e in events if e["type"] == "stage"] == [
        ("greeting", "start"),
        ("self_intro", "skip"),
    ]
    second = turns_of(spec)[1]
    assert second["role"] == "interviewer" and second["stage"] == "self_intro"
    assert second["text"].endswith("?")


def test_sigterm_keeps_every_committed_turn(tmp_path, fake_llm):
    fake_llm.responder = ScriptedInterviewer()
    spec = make_spec(tmp_path, fake_llm.base_url, stage_overrides=LONG_STAGES)
    proc = spawn_agent(spec)
    proc.stdout.readline()
    wait_for(lambda: turns_of(spec) or None)
    send(proc, {"type": "user_text", "text": "Hello!"})
    wait_for(lambda: len(turns_of(spec)) >= 3 or None)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)
    events = events_of(spec)
    assert len(turns_of(spec)) == 3
    assert events[-1]["type"] == "ended"


def test_end_while_the_model_hangs_ends_as_the_user_asked_within_seconds(tmp_path, fake_llm):
    fake_llm.enqueue(text("Hi Ana, ready to start?"))
    stuck = text("never sent")
    stuck.hang = True
    fake_llm.enqueue(stuck)
    spec = make_spec(tmp_path, fake_llm.base_url, stage_overrides=LONG_STAGES)
    spec["providers"]["llm"]["timeout"] = 60.0  # the model hangs longer than the end grace
    proc = spawn_agent(spec)
    proc.stdout.readline()
    wait_for(lambda: turns_of(spec) or None)
    send(proc, {"type": "user_text", "text": "Yes, ready."})
    wait_for(lambda: len(fake_llm.requests) >= 2 or None)  # the reply is being generated
    ended_at = time.monotonic()
    send(proc, {"type": "end"})
    proc.wait(timeout=15)
    events = events_of(spec)
    assert events[-1]["reason"] == "user_ended"
    assert proc.returncode == 0 and time.monotonic() - ended_at < 8.0
    assert [t["text"] for t in turns_of(spec) if t["role"] == "candidate"] == ["Yes, ready."]


@pytest.fixture
def open_llm():
    """A server that takes any credentials: one behind a basic-auth proxy, say (the SDK
    sends a URL's user:password as basic auth)."""
    server = FakeOpenAI(api_key=None)
    server.start_in_thread()
    yield server
    server.stop_thread()


def test_a_base_url_s_credentials_never_reach_the_agent_log(tmp_path, open_llm):
    password = "pw-9f8e7d6c5b"
    open_llm.enqueue(text("Hi Ana, ready to start?"), text("Tell me about yourself."))
    base_url = open_llm.base_url.replace("://", f"://alice:{password}@", 1)
    spec = make_spec(tmp_path, base_url, stage_overrides=LONG_STAGES)
    proc = spawn_agent(spec, env={**os.environ, "LOG_LEVEL": "DEBUG"})
    proc.stdout.readline()
    wait_for(lambda: turns_of(spec) or None)
    send(proc, {"type": "user_text", "text": "Yes, ready."})
    wait_for(lambda: len(turns_of(spec)) >= 3 or None)
    send(proc, {"type": "end"})
    proc.wait(timeout=20)
    log_text = (tmp_path / "session" / "agent.log").read_text()
    host_port = open_llm.base_url.split("://", 1)[1].split("/", 1)[0]
    assert f"***@{host_port}" in log_text  # the URL was logged, its credentials masked
    everything = log_text + (tmp_path / "session" / "events.jsonl").read_text()
    assert password not in everything and "alice:" not in everything
    assert events_of(spec)[-1]["reason"] == "user_ended"


def test_a_pinned_base_url_is_reached_at_the_pinned_address_only(tmp_path):
    server = FakeOpenAI(host="127.0.0.2")  # "localhost" is 127.0.0.1: only the pin leads here
    server.start_in_thread()
    try:
        server.enqueue(text("Hi Ana, ready to start?"), text("Tell me about yourself."))
        port = server.base_url.rsplit(":", 1)[1].split("/", 1)[0]
        spec = make_spec(tmp_path, f"http://localhost:{port}/v1", stage_overrides=LONG_STAGES)
        spec["providers"]["llm"]["pinned_address"] = "127.0.0.2"
        proc = spawn_agent(spec)
        proc.stdout.readline()
        wait_for(lambda: turns_of(spec) or None)
        send(proc, {"type": "user_text", "text": "Yes, ready."})
        wait_for(lambda: len(turns_of(spec)) >= 3 or None)
        send(proc, {"type": "end"})
        proc.wait(timeout=20)
    finally:
        server.stop_thread()
    assert [t["text"] for t in turns_of(spec)][::2] == [
        "Hi Ana, ready to start?",
        "Tell me about yourself.",
    ]
    assert events_of(spec)[-1]["reason"] == "user_ended"


def test_every_file_the_agent_writes_is_private_whatever_the_umask(tmp_path, fake_llm):
    fake_llm.responder = ScriptedInterviewer()
    spec = make_spec(tmp_path, fake_llm.base_url, stage_overrides=LONG_STAGES)
    old = os.umask(0o022)  # the agent inherits a permissive umask
    try:
        proc = spawn_agent(spec)
    finally:
        os.umask(old)
    proc.stdout.readline()
    wait_for(lambda: turns_of(spec) or None)
    proc.stdin.close()
    proc.wait(timeout=15)
    session_dir = Path(spec["session_dir"])
    assert session_dir.stat().st_mode & 0o777 == 0o700
    for name in ("events.jsonl", "agent.log"):
        assert (session_dir / name).stat().st_mode & 0o777 == 0o600, name
