"""The Feedback tab when the model's rubric fails: the report still coaches from the
figures, and the failure says what went wrong with a retry only when one can help."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from mockflow.app.reports import ReportService
from mockflow.config import Settings
from mockflow.contracts.events import EventWriter, read_events
from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.report.model import generate_report
from mockflow.feedback.rubric.failure import FeedbackModelError
from mockflow.store.db import Store
from mockflow.store.vault import Vault
from mockflow.ui.tabs.feedback import scoring_failure, session_facts, show_feedback
from tests.fakes.rubric_llm import ScriptedLLM

# a text interview with 16 filler words spread over eight answers, two in each: no single
# answer stands out, which once left the report with numbers and no advice
TURNS = [
    ("greeting", "Hi Sam, shall we start?", "Um, yes, uh, sure."),
    ("self_intro", "Tell me about yourself.",
     "Um, I'm a backend engineer with five years in payments, mostly, uh, ledgers and APIs."),
    ("self_intro", "What do you enjoy most?",
     "Um, making slow systems fast, and, uh, teaching juniors how to profile them."),
    ("past_experience", "Tell me about a time you fixed an outage.",
     "Um, we had an outage on a Friday, and I, uh, rolled back the config and wrote the "
     "timeline for the team."),
    ("past_experience", "What did you learn?",
     "Um, to check config changes in review, uh, like we check code."),
    ("past_experience", "Anything else from that role?",
     "Uh, I mentored two juniors, um, through their first on-call."),
    ("company_fit", "Why Acme?",
     "Um, I like the product, and, uh, the team seemed great when I met them."),
    ("company_fit", "What would you change first?",
     "Uh, probably the deploy pipeline, um, it looked slow."),
]  # fmt: skip


@pytest.fixture
def services(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="a long enough passphrase for tests")
    store = Store.open(settings)
    reports = ReportService(store, Vault.open(settings, store))
    yield SimpleNamespace(
        store=store,
        reports=reports,
        interviews=SimpleNamespace(is_over=lambda user, session_id: True),
        downloads=None,
    )
    store.close()


def _interview(services) -> tuple[str, list[dict]]:
    record = services.store.create_session(
        "local", role="Engineer", track="behavioral", level="mid", mode="text"
    )
    clock = iter(range(1_700_000_000, 1_700_000_100, 2))
    writer = EventWriter(Path(record.session_dir) / "events.jsonl", clock=lambda: next(clock))
    writer.write("ready", transport="text", track="behavioral")
    for stage, question, answer in TURNS:
        writer.write("stage", stage=stage, reason="start" if stage == "greeting" else "tool")
        writer.write("turn", role="interviewer", text=question, stage=stage)
        writer.write("turn", role="candidate", text=answer, stage=stage)
    writer.write("ended", reason="user_ended")
    writer.close()
    return record.id, read_events(Path(record.session_dir))


def _failed_report(services, events, session_id, llm, **kwargs) -> dict:
    meta = SessionMeta(session_id=session_id, track="behavioral", role="Engineer")
    report = asyncio.run(generate_report(events, meta, llm, **kwargs)).to_dict()
    services.store.save_feedback("local", session_id, report)
    return report


def test_a_failed_rubric_still_gives_top_things_to_change_from_the_figures(services):
    session_id, events = _interview(services)
    report = _failed_report(services, events, session_id, ScriptedLLM("Sure! {", "Here: {"))
    assert report["analytics"]["filler_count"] == 16
    facts, _, markdown, _, _ = show_feedback(services, "local", session_id)
    assert "⚠️ **Scoring failed.** The model's rubric was not valid JSON. Press **Generate** " \
        "to try again." in facts  # fmt: skip
    changes = markdown.split("## Top things to change")[1].split("\n## ")[0]
    assert (
        "### 1. Cut the filler words in answer 8 (to “What would you change first?”): 2 in 9 "
        "words (16 in the whole interview)."
    ) in changes
    assert "_Measured from your transcript: answer 8, shown below with its figures._" in changes
    short = markdown.split("## In short")[1].split("\n## ")[0]
    assert "You gave 8 answers (100 words) in 50 s." in short  # not "in 1 min" or "0 min"
    assert "You ended the interview during the Company fit stage." in short


def test_a_failure_a_retry_cannot_fix_says_what_to_change_and_offers_no_retry(services):
    session_id, events = _interview(services)
    rejected = FeedbackModelError(
        "says your API key was rejected (401)", advice="Check it in Settings."
    )
    _failed_report(services, events, session_id, ScriptedLLM(rejected))
    facts = show_feedback(services, "local", session_id)[0]
    assert facts.endswith(
        "⚠️ **Scoring failed.** The feedback model says your API key was rejected (401). "
        "Check it in Settings."
    )
    assert "try again" not in facts


def test_a_report_stored_before_retries_were_judged_keeps_the_offer():
    old = {
        "rubric": None,
        "rubric_failed": True,
        "rubric_note": "The rubric could not be produced.",
    }
    assert scoring_failure(old).endswith("Press **Generate** to try again.")
    assert scoring_failure({"rubric": None, "rubric_failed": False, "rubric_note": "x"}) == ""


def test_the_interview_s_length_under_a_minute_is_in_seconds(services):
    session_id, _ = _interview(services)
    record = replace(services.store.get_session("local", session_id), duration=22.0)
    assert " · 22 s · " in session_facts(record)
