"""The bundled sample session: a synthetic voice interview written by the MockFlow authors.

It lets a first-time visitor with no keys open a real, computed analytics report.
`sample/events.jsonl` follows Contract 3 with room (speech) timings; `sample/meta.json`
holds the synthetic candidate, role and job description. No real person is in it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from mockflow.contracts.events import read_events
from mockflow.contracts.meta import load_meta
from mockflow.feedback.report.model import FeedbackReport, build_report

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE_NOTE = (
    "This is a synthetic sample interview, so it shows only the measured analytics. Your own "
    "reports add scores, strengths and rewrites when a feedback model key is set."
)


def sample_session_dir() -> Path:
    return SAMPLE_DIR


def sample_report(clock: Callable[[], float] = time.time) -> FeedbackReport:
    """The analytics-only report of the sample session (no keys, no network)."""
    return build_report(
        read_events(SAMPLE_DIR), load_meta(SAMPLE_DIR), note=SAMPLE_NOTE, clock=clock
    )
