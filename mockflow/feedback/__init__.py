"""Honest interview feedback: measured analytics, a verified LLM rubric, and the report.

- `analytics`: figures computed from `events.jsonl` (filler rule in `fillers`).
- `rubric`: the LLM's validated, quote-verified judgement behind the `llm.RubricLLM` seam
  (`llm.OpenAIRubricLLM` is the real one; import it from `mockflow.feedback.rubric.llm`, which
  is the only module that loads the openai SDK).
- `report`: the report object and its stored dict form; `report_markdown`, `report_html`
  render it; `export` writes the downloads; `progress` feeds the History charts.
- `demo`: the bundled synthetic sample session; `cli`: `python -m mockflow report`.
"""

from __future__ import annotations

from mockflow.contracts.meta import SessionMeta, load_meta
from mockflow.feedback.analytics.measures import Measure, SessionAnalytics, analyze_events
from mockflow.feedback.analytics.progress import progress_series
from mockflow.feedback.demo import sample_report, sample_session_dir
from mockflow.feedback.report.export import export_report
from mockflow.feedback.report.html import render_html
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.report.model import FeedbackReport, build_report, generate_report
from mockflow.feedback.rubric.generate import Rubric, RubricOutcome, generate_rubric, overall_score

__all__ = [
    "FeedbackReport",
    "Measure",
    "Rubric",
    "RubricOutcome",
    "SessionAnalytics",
    "SessionMeta",
    "analyze_events",
    "build_report",
    "export_report",
    "generate_report",
    "generate_rubric",
    "load_meta",
    "overall_score",
    "progress_series",
    "render_html",
    "render_markdown",
    "sample_report",
    "sample_session_dir",
]
