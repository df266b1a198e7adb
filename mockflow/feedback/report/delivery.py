"""Report sections for the measured analytics: delivery, answers, job-description coverage.

Reads the analytics dict (`SessionAnalytics.to_dict()`); a measure is `{"value", "reason"}`
and an unavailable one reads "not measured (<reason>)".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockflow.feedback.report.blocks import Block, Items, Para, Section, Table
from mockflow.interview.fsm import STAGE_TITLES


def delivery_sections(analytics: Mapping[str, Any]) -> list[Section]:
    delivery = Section("Delivery (measured)", key="delivery")
    delivery.blocks.append(Table(["Measure", "Value"], delivery_rows(analytics)))
    delivery.blocks += [Para(note, note=True) for note in analytics.get("notes", [])]
    answers = Section("Answers", key="answers")
    stage_rows = [
        [_stage(s["stage"]), str(s["questions"]), str(s["answers"])]
        for s in analytics.get("stages", [])
    ]
    answers.blocks.append(Table(["Stage", "Questions", "Answers"], stage_rows))
    if analytics.get("answers"):
        headers = ["#", "Stage", "Words", "Length", "Pace", "Think time", "Fillers"]
        answers.blocks.append(Table(headers, [answer_row(a) for a in analytics["answers"]]))
    sections = [delivery, answers]
    coverage = analytics.get("jd_coverage")
    if coverage and coverage.get("terms"):
        used, missing = coverage.get("used", []), coverage.get("missing", [])
        share = f"{len(used)} of {len(coverage['terms'])} key terms used"
        blocks: list[Block] = [Para(share, "Coverage: ")]
        blocks.append(
            Items(
                [
                    f"Used: {', '.join(used) or 'none'}",
                    f"Never mentioned: {', '.join(missing) or 'none'}",
                ]
            )
        )
        note = "Key terms are picked from the job description by fixed rules (technical names, "
        note += "capitalised names, phrases after “experience with”); no AI is involved."
        blocks.append(Para(note, note=True))
        sections.append(Section("Job description coverage", blocks, "jd"))
    return sections


def delivery_rows(a: Mapping[str, Any]) -> list[list[str]]:
    longest = next(
        (x for x in a.get("answers", []) if x["number"] == a.get("longest_answer")), None
    )
    rows = [
        ["Answers", str(len(a.get("answers", [])))],
        ["Words spoken", f"{a.get('total_words', 0):,}"],
        ["Speaking time", measure(a["speaking_time"], _duration)],
        ["Speaking pace", measure(a["pace_wpm"], lambda v: f"{v:.0f} words per minute")],
        ["Filler words", _fillers(a)],
        ["Hedging phrases", _counts(a.get("hedge_count", 0), a.get("hedges", {}))],
        ["Think time (median)", measure(a["think_time_median"], lambda v: f"{v:.1f} s")],
        ["Think time (longest)", measure(a["think_time_max"], lambda v: f"{v:.1f} s")],
        ["Started before the question ended", measure(a["interruptions"], lambda v: f"{v:.0f}")],
        ["Your share of speaking time", measure(a["talk_time_share"], _percent)],
        ["Your share of words", measure(a["word_share"], _percent)],
        ["Longest answer", _longest(longest)],
        ["Most used words", ", ".join(f"{w} ({n})" for w, n in a.get("top_words", [])) or "none"],
        ["Back-to-back repeats", _repeats(a.get("repeats", []))],
    ]
    return rows


def answer_row(answer: Mapping[str, Any]) -> list[str]:
    rate = answer["filler_rate"]["value"]
    fillers = f"{answer['filler_count']}" + (f" ({rate:.1f}/100 words)" if rate else "")
    return [
        str(answer["number"]),
        _stage(answer["stage"]),
        str(answer["words"]),
        measure(answer["duration"], lambda v: f"{v:.0f} s"),
        measure(answer["pace_wpm"], lambda v: f"{v:.0f} wpm"),
        measure(answer["think_time"], lambda v: f"{v:.1f} s")
        + (" (started early)" if answer.get("interrupted") else ""),
        fillers,
    ]


def measure(m: Mapping[str, Any], show: Any) -> str:
    if m.get("value") is None:
        return f"not measured ({m.get('reason') or 'unavailable'})"
    return show(m["value"])


def _fillers(a: Mapping[str, Any]) -> str:
    rate = measure(a["filler_rate"], lambda v: f"{v:.1f} per 100 words")
    return f"{_counts(a.get('filler_count', 0), a.get('fillers', {}))}; {rate}"


def _counts(total: int, parts: Mapping[str, int]) -> str:
    if not total:
        return "none"
    return f"{total} ({', '.join(f'“{k}” {v}' for k, v in parts.items())})"


def _longest(answer: Mapping[str, Any] | None) -> str:
    if answer is None:
        return "none"
    length = measure(answer["duration"], lambda v: f", {v:.0f} s")
    length = "" if length.startswith("not") else length
    return f"answer {answer['number']} ({_stage(answer['stage'])}): {answer['words']} words{length}"


def _repeats(repeats: list[str]) -> str:
    if not repeats:
        return "none"
    shown = ", ".join(f"“{r}”" for r in dict.fromkeys(repeats))
    return f"{len(repeats)} ({shown})"


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _stage(stage: str) -> str:
    return STAGE_TITLES.get(stage, stage or "unknown")
