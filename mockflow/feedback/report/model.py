"""The feedback report of one session: measured analytics plus, when available, the rubric.

`build_report` is synchronous and needs no keys (analytics only); `generate_report` adds
the LLM rubric through a `RubricLLM`. The stored form is `FeedbackReport.to_dict()`
(JSON-safe, schema `SCHEMA_VERSION`); it leaves the transcript out by default, because
transcripts live only in `events.jsonl`. The renderers (`report_markdown`, `report_html`)
read that dict form, so a stored report renders without re-analysis.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.analytics.measures import SessionAnalytics, analyze_events
from mockflow.feedback.rubric.generate import Rubric, RubricOutcome, generate_rubric
from mockflow.feedback.session import (
    Turn,
    session_span,
    started_at,
    turns_of,
    with_event_facts,
)

if TYPE_CHECKING:
    from mockflow.feedback.rubric.llm import RubricLLM

SCHEMA_VERSION = 1
NO_LLM_NOTE = (
    "No feedback model was used, so this report has the measured analytics only "
    "(no scores or coaching)."
)


@dataclass(frozen=True)
class FeedbackReport:
    meta: SessionMeta
    analytics: SessionAnalytics
    rubric: Rubric | None
    rubric_note: str | None  # why there is no rubric
    rubric_failed: bool  # the scoring run failed, not just absent
    rubric_retry: bool  # after a failure: pressing Generate again may help
    rubric_malformed_tries: int  # model replies in a row that were not a usable rubric
    transcript: list[Turn]
    started_at: float | None
    duration: float | None  # wall-clock seconds of the session
    generated_at: float

    def to_dict(self, *, include_transcript: bool = False) -> dict[str, Any]:
        meta = self.meta
        data: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "session": {
                "session_id": meta.session_id,
                "candidate_name": meta.candidate_name,
                "role": meta.role,
                "level": meta.level,
                "track": meta.track,
                "transport": self.analytics.transport,
                "started_at": self.started_at,
                "duration_seconds": self.duration,
            },
            "generated_at": self.generated_at,
            "analytics": self.analytics.to_dict(),
            "rubric": _rubric_dict(self.rubric) if self.rubric else None,
            "rubric_note": self.rubric_note,
            "rubric_failed": self.rubric_failed,
            "rubric_retry": self.rubric_retry,
            "rubric_malformed_tries": self.rubric_malformed_tries,
        }
        if include_transcript:
            data["transcript"] = [asdict(turn) for turn in self.transcript]
        return data

    def to_json(self, *, include_transcript: bool = False) -> str:
        data = self.to_dict(include_transcript=include_transcript)
        return json.dumps(data, ensure_ascii=False, indent=2)


def _rubric_dict(rubric: Rubric) -> dict[str, Any]:
    data = asdict(rubric)
    for item, competency in zip(data["competencies"], rubric.competencies, strict=True):
        item["status"] = competency.status
    return data


def build_report(
    events: list[dict[str, Any]],
    meta: SessionMeta,
    *,
    outcome: RubricOutcome | None = None,
    note: str | None = NO_LLM_NOTE,
    key_terms: list[str] | None = None,
    analytics: SessionAnalytics | None = None,
    clock: Callable[[], float] = time.time,
) -> FeedbackReport:
    """A report from events; with `outcome` its rubric (or its failure) is included."""
    meta = with_event_facts(meta, events)
    if analytics is None:
        analytics = analyze_events(
            events, job_description=meta.job_description, key_terms=key_terms
        )
    rubric = outcome.rubric if outcome else None
    return FeedbackReport(
        meta=meta,
        analytics=analytics,
        rubric=rubric,
        rubric_note=None if rubric else (outcome.failure if outcome else note),
        rubric_failed=bool(outcome and outcome.failed),
        rubric_retry=bool(outcome and outcome.retry),
        rubric_malformed_tries=outcome.malformed_tries if outcome else 0,
        transcript=turns_of(events),
        started_at=started_at(events),
        duration=session_span(events),
        generated_at=round(clock(), 3),
    )


async def generate_report(
    events: list[dict[str, Any]],
    meta: SessionMeta,
    llm: RubricLLM | None,
    *,
    model_name: str = "",
    note: str | None = NO_LLM_NOTE,
    key_terms: list[str] | None = None,
    clock: Callable[[], float] = time.time,
    progress: Callable[[float, str], object] | None = None,
    malformed_before: int = 0,
) -> FeedbackReport:
    """The full report: analytics, then the rubric when `llm` is given.

    `progress(fraction, description)` is called as work advances (a `gr.Progress` fits);
    `malformed_before` counts earlier runs' replies that were not a usable rubric.
    """
    step = progress or (lambda fraction, description: None)
    meta = with_event_facts(meta, events)
    step(0.05, "Measuring your delivery")
    analytics = analyze_events(events, job_description=meta.job_description, key_terms=key_terms)
    outcome = None
    if llm is not None:
        step(0.2, "Asking the feedback model for scores and coaching")
        turns = turns_of(events)
        outcome = await generate_rubric(
            llm, turns, meta, analytics, model_name=model_name, malformed_before=malformed_before
        )
    step(0.95, "Checking quotes and writing the report")
    report = build_report(
        events, meta, outcome=outcome, note=note, analytics=analytics, clock=clock
    )
    step(1.0, "Done")
    return report
