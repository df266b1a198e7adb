"""The bundled sample session: a synthetic voice interview written by the MockFlow authors.

It lets a first-time visitor with no keys open a whole report: measured analytics and a
rubric. `sample/events.jsonl` follows Contract 3 with room (speech) timings;
`sample/meta.json` holds the synthetic candidate, role and job description;
`sample/rubric.json` is a rubric reply written by hand for it, checked by the same code
that checks a model's reply (schema, then every quote against the transcript), so a quote
that is not in the transcript is dropped here exactly as it would be from a model. No real
person is in it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from mockflow.contracts.events import read_events
from mockflow.contracts.meta import load_meta
from mockflow.feedback.report.model import FeedbackReport, build_report
from mockflow.feedback.rubric.generate import RubricOutcome, verify_reply
from mockflow.feedback.rubric.quotes import AnswerIndex
from mockflow.feedback.rubric.schema import competencies_for, parse_reply
from mockflow.feedback.session import turns_of, with_event_facts

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE_REVIEWER = "the MockFlow team (a sample written by hand, not an AI review)"


def sample_session_dir() -> Path:
    return SAMPLE_DIR


def sample_report(clock: Callable[[], float] = time.time) -> FeedbackReport:
    """The sample session's whole report, its bundled rubric verified (no keys, no network)."""
    events = read_events(SAMPLE_DIR)
    meta = with_event_facts(load_meta(SAMPLE_DIR), events)
    expected = competencies_for(meta.track)
    reply = parse_reply((SAMPLE_DIR / "rubric.json").read_text("utf-8"), expected)
    answers = [turn.text for turn in turns_of(events) if turn.role == "candidate"]
    rubric = verify_reply(
        reply, expected, AnswerIndex.build(answers), meta.track, SAMPLE_REVIEWER, attempts=1
    )
    return build_report(events, meta, outcome=RubricOutcome(rubric), clock=clock)
