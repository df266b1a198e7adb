"""Feedback analytics on a 60-minute, 10,000-word voice interview (issue 6 target: <= 50 ms).

Builds a synthetic room-mode transcript (speech timings, fillers, hedges, a JD), then
times `analyze_events` alone, the whole path from the file (`read_events` + analytics),
building and rendering the report, and verifying 20 rubric quotes against the answers
(5 verbatim, 5 near-verbatim, 10 made up). Prints p50/p95 per figure; asserts nothing.

    python bench/analytics.py [--runs 50] [--words 10000] [--minutes 60]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockflow.contracts.events import read_events
from mockflow.contracts.meta import SessionMeta
from mockflow.feedback.analytics.measures import analyze_events
from mockflow.feedback.report.html import render_html
from mockflow.feedback.report.markdown import render_markdown
from mockflow.feedback.report.model import build_report
from mockflow.feedback.rubric.quotes import AnswerIndex, find_quote
from mockflow.interview.fsm import STAGES

SENTENCES = [
    "So, um, I led the migration of our invoice pipeline to Kafka.",
    "It was, like, a pretty big deal for the team because the batch job kept failing.",
    "I think the main thing I learned is to bring data to a disagreement.",
    "We ran both systems in parallel for two weeks and compared every invoice.",
    "Uh, I mean, it wasn't only me, but I designed the event schema myself.",
    "You know, the on-call rotation was one week in six, and it was mostly quiet.",
    "Maybe the hardest part was kind of convincing the data team to change their roadmap.",
    "I like working in Python and Go, and I used PostgreSQL for the ledger.",
    "Something like twenty services depended on it, so we added alerts on consumer lag.",
    "I, I wrote the incident report and added an idempotency key to the email sender.",
]
QUESTION = "Tell me about a time you had to make a difficult technical decision, and why?"
JD = """Backend Engineer, Payments
You will build event-driven services on Kafka and PostgreSQL in Python or Go.
Experience with idempotency, retries and Kubernetes on AWS is a plus."""


def synthetic_events(words: int, minutes: float, seed: int = 6) -> list[dict]:
    rng = random.Random(seed)
    pairs = max(1, words // 120)
    per_answer = (words - pairs * len(QUESTION.split())) // pairs
    slot = minutes * 60 / pairs
    t = 1_767_600_000.0
    events: list[dict] = [{"t": t, "type": "ready", "transport": "room"}]
    for i in range(pairs):
        stage = STAGES[min(i * len(STAGES) // pairs, len(STAGES) - 1)]
        q_end = t + 5.0
        events.append(_turn("interviewer", QUESTION, stage, t, q_end))
        text: list[str] = []
        while len(" ".join(text).split()) < per_answer:
            text.append(rng.choice(SENTENCES))
        answer = " ".join(" ".join(text).split()[:per_answer])
        start = q_end + rng.uniform(0.4, 3.5)
        events.append(_turn("candidate", answer, stage, start, t + slot - 1.0))
        t += slot
    events.append({"t": t, "type": "ended", "reason": "completed"})
    return events


def _turn(role: str, text: str, stage: str, start: float, end: float) -> dict:
    return {"t": end, "type": "turn", "role": role, "text": text, "stage": stage,
            "started_at": round(start, 3), "ended_at": round(end, 3)}  # fmt: skip


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: regex compilation, imports
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float]) -> None:
    p50 = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]
    print(f"{label:<44} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    events = synthetic_events(args.words, args.minutes)
    meta = SessionMeta(session_id="bench", track="technical", job_description=JD)
    answers = AnswerIndex.build([e["text"] for e in events if e.get("role") == "candidate"])
    made_up = [f"I single-handedly rewrote service {i} in Rust over a weekend" for i in range(10)]
    near = [s.rstrip(".").replace("the ", "our ", 1) for s in SENTENCES[:5]]  # fuzzy path
    quotes = [s.rstrip(".") for s in SENTENCES[5:]] + near + made_up
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
        describe(events)
        figures = [
            (
                "analyze_events (target <= 50 ms)",
                lambda: analyze_events(events, job_description=JD),
            ),
            (
                "read_events + analyze_events",
                lambda: analyze_events(read_events(path), job_description=JD),
            ),
            ("build_report + Markdown + HTML", lambda: render_all(events, meta)),
            (
                "verify 20 quotes (5 near, 10 made up)",
                lambda: [find_quote(q, answers) for q in quotes],
            ),
        ]
        for label, fn in figures:
            report(label, timed(fn, args.runs))


def describe(events: list[dict]) -> None:
    a = analyze_events(events, job_description=JD)
    words = sum(len(e["text"].split()) for e in events if e["type"] == "turn")
    speech = a.speaking_time.value or 0.0
    print(f"transcript: {words:,} words, {len(a.answers)} answers, {speech / 60:.0f} min of")
    terms = len(a.jd_coverage.terms) if a.jd_coverage else 0
    print(f"candidate speech, {a.filler_count} fillers, {terms} JD terms")


def render_all(events: list[dict], meta: SessionMeta) -> None:
    built = build_report(events, meta)
    shown = built.to_dict(include_transcript=True)
    render_markdown(shown)
    render_html(shown)


if __name__ == "__main__":
    main()
