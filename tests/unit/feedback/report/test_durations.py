"""Durations read the same everywhere: seconds under a minute, never "0 min"."""

from __future__ import annotations

import pytest

from mockflow.feedback.report.durations import spoken_duration
from mockflow.feedback.report.view import session_facts


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(22.4, "22 s"), (0.3, "1 s"), (0, "0 s"), (59.4, "59 s"), (59.6, "1 min"),
     (65, "1 min 05 s"), (840, "14 min"), (3725, "62 min 05 s")],
)  # fmt: skip
def test_durations_under_a_minute_are_in_seconds(seconds: float, text: str) -> None:
    assert spoken_duration(seconds) == text


def test_the_report_header_gives_a_short_interview_in_seconds() -> None:
    facts = dict(session_facts({"duration_seconds": 22.0, "role": "Engineer"}))
    assert facts["Length"] == "22 s"
