"""Totals and per-persona rates of a rehearsal, and the table the command prints.

Totals add counts up over every interview (booleans count the interviews where they
hold). Per-persona figures are rates: a count metric is its mean per interview, a
boolean the share of interviews where it holds, word counts the mean (max: the maximum).
Below the table, each interview that ended in error is named with the error's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mockflow.rehearse.runner import InterviewResult

COUNTS = (
    "silent_turns",
    "repeated_questions",
    "multi_question_turns",
    "stage_narration",
    "praise",
    "feedback_leaks",
    "injection_followed",
    "markup_turns",
    "no_question_turns",
    "repeated_turns",
    "resume_terms_used",
    "jd_terms_used",
)
COLUMNS = (
    ("silent", "silent_turns"),
    ("repeat", "repeated_questions"),
    ("multi-q", "multi_question_turns"),
    ("narrate", "stage_narration"),
    ("praise", "praise"),
    ("leaks", "feedback_leaks"),
    ("inject", "injection_followed"),
    ("markup", "markup_turns"),
    ("no-q", "no_question_turns"),
    ("same", "repeated_turns"),
    ("words", "mean_words_per_turn"),
    ("max", "max_words_per_turn"),
    ("resume", "resume_terms_used"),
    ("jd", "jd_terms_used"),
    ("closing", "closing_ok"),
    ("ended", "ended"),
    ("error", "ended_in_error"),
)
SHARES = ("closing_ok", "ended", "ended_in_error")  # booleans: shares in persona rows


def summarise(results: Sequence[InterviewResult]) -> dict[str, Any]:
    personas = list(dict.fromkeys(r.persona for r in results))
    return {
        "totals": totals(results),
        "per_persona": {p: rates([r for r in results if r.persona == p]) for p in personas},
    }


def totals(results: Sequence[InterviewResult]) -> dict[str, Any]:
    metrics = [r.metrics for r in results]
    out: dict[str, Any] = {
        "interviews": len(results),
        "ended": sum(m.ended_reason is not None for m in metrics),
        "completed": sum(m.ended_reason == "completed" for m in metrics),
        "timed_out": sum(r.timed_out for r in results),
        "errors": sum(r.error is not None or r.metrics.ended_reason == "error" for r in results),
    }
    out.update({name: sum(getattr(m, name) for m in metrics) for name in COUNTS})
    out["mean_words_per_turn"] = _mean([m.mean_words_per_turn for m in metrics])
    out["max_words_per_turn"] = max((m.max_words_per_turn for m in metrics), default=0)
    out["closing_ok"] = sum(m.closing_ok for m in metrics)
    out["ended_in_error"] = sum(m.ended_in_error for m in metrics)
    out["judge_overall"] = _judge_mean(results)
    return out


def rates(results: Sequence[InterviewResult]) -> dict[str, Any]:
    n = len(results) or 1
    metrics = [r.metrics for r in results]
    out: dict[str, Any] = {"interviews": len(results)}
    out.update({name: round(sum(getattr(m, name) for m in metrics) / n, 2) for name in COUNTS})
    out["mean_words_per_turn"] = _mean([m.mean_words_per_turn for m in metrics])
    out["max_words_per_turn"] = max((m.max_words_per_turn for m in metrics), default=0)
    out["closing_ok"] = round(sum(m.closing_ok for m in metrics) / n, 2)
    out["ended"] = round(sum(m.ended_reason is not None for m in metrics) / n, 2)
    out["completed"] = round(sum(m.ended_reason == "completed" for m in metrics) / n, 2)
    out["ended_in_error"] = round(sum(m.ended_in_error for m in metrics) / n, 2)
    out["timed_out"] = round(sum(r.timed_out for r in results) / n, 2)
    out["judge_overall"] = _judge_mean(results)
    return out


def format_table(summary: dict[str, Any]) -> str:
    """A plain-text table: one row of rates per persona, then a row of totals."""
    headers = ["persona", "n", *(title for title, _ in COLUMNS)]
    judged = summary["totals"].get("judge_overall") is not None
    if judged:
        headers.append("judge")
    rows = [headers]
    for persona, figures in summary["per_persona"].items():
        rows.append(_row(persona, figures, judged, share=True))
    totals_row = dict(summary["totals"])
    rows.append(_row("TOTAL", totals_row, judged, share=False))
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    lines = [
        "  ".join(
            cell.rjust(w) if i else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, lines[1])
    notes = [
        "Persona rows: mean per interview (closing, ended, error: share of interviews). "
        "TOTAL: sums over all interviews (closing, ended, error: number of interviews).",
        "markup: turns with tool-call or markup syntax; no-q: turns asking nothing where a "
        "question was due; same: turns (near-)identical to the interviewer's previous one; "
        "error: interviews ended by an error.",
    ]
    return "\n".join([*lines, *notes])


def format_errors(results: Sequence[InterviewResult]) -> str:
    """One line per interview that ended in error, with the error's message; "" if none."""
    lines = [
        f"{r.persona} × {r.track} #{r.run}: {r.metrics.error_message or 'no message'}"
        for r in results
        if r.metrics.ended_in_error
    ]
    return "\n".join(["Ended by an error:", *(f"  {line}" for line in lines)]) if lines else ""


def _row(name: str, figures: dict[str, Any], judged: bool, *, share: bool) -> list[str]:
    cells = [name, str(figures["interviews"])]
    for _, key in COLUMNS:
        value = figures.get(key)
        if key in SHARES and share:
            cells.append(f"{value:.0%}")
        elif isinstance(value, float):
            cells.append(f"{value:.2f}" if key != "mean_words_per_turn" else f"{value:.1f}")
        else:
            cells.append(str(value))
    if judged:
        judge = figures.get("judge_overall")
        cells.append("-" if judge is None else f"{judge:.1f}")
    return cells


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0


def _judge_mean(results: Sequence[InterviewResult]) -> float | None:
    scores = [r.judge["overall"] for r in results if r.judge and r.judge.get("overall") is not None]
    return round(sum(scores) / len(scores), 2) if scores else None
