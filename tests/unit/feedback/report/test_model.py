"""The report model: a report never scored is not a failed one."""

from __future__ import annotations

from mockflow.feedback.report.model import build_report
from tests.fakes.rubric_llm import EVENTS, META


def test_a_report_never_scored_is_not_a_failed_one() -> None:
    assert build_report(EVENTS, META).to_dict()["rubric_failed"] is False
