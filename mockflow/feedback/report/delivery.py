"""Report sections for the measured analytics: a compact delivery summary and the
job-description coverage.

Reads the analytics dict (`SessionAnalytics.to_dict()`); a measure is `{"value", "reason"}`.
Figures a text interview cannot have (pace, pauses, talk time) are left out and said once;
any other unavailable figure reads "not measured (<reason>)".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockflow.feedback.report.blocks import Block, Items, Para, Section
from mockflow.feedback.report.durations import spoken_duration
from mockflow.interview.fsm import STAGE_TITLES

TEXT_MODE_NOTE = "Pace, pauses and talk time need a voice interview."
NO_TIMING_NOTE = "This interview's timings were not recorded, so pace and pauses are not measured."


def delivery_sections(analytics: Mapping[str, Any]) -> list[Section]:
    delivery = Section("Delivery (measured)", key="delivery")
    if not analytics.get("answers"):
        delivery.blocks.append(Para("There were no answers to measure.", note=True))
        return [delivery]
    delivery.blocks.append(Items(delivery_items(analytics)))
    if analytics.get("transport") == "text":
        delivery.blocks.append(Para(TEXT_MODE_NOTE, note=True))
    elif not analytics.get("timings_measured"):
        delivery.blocks.append(Para(NO_TIMING_NOTE, note=True))
    sections = [delivery]
    coverage = analytics.get("jd_coverage")
    if coverage and coverage.get("terms"):
        sections.append(_coverage_section(coverage))
    return sections


def delivery_items(a: Mapping[str, Any]) -> list[str]:
    """The measured figures, each once; timing figures only when they were measured."""
    items = [
        f"Answers: {len(a['answers'])} ({a.get('total_words', 0):,} words)",
        f"Filler words: {_fillers(a)}",
        f"Hedges: {_counts(a.get('hedge_count', 0), a.get('hedges', {}))}",
    ]
    if a.get("timings_measured"):
        timed = [
            ("Speaking time", a["speaking_time"], spoken_duration),
            ("Speaking pace", a["pace_wpm"], lambda v: f"{v:.0f} words per minute"),
            ("Time to start answering (median)", a["think_time_median"], _seconds),
            ("Time to start answering (longest)", a["think_time_max"], _seconds),
            ("Started before the question ended", a["interruptions"], lambda v: f"{v:.0f}"),
            ("Your share of speaking time", a["talk_time_share"], _percent),
        ]
        items += [f"{label}: {show(m['value'])}" for label, m, show in timed if _has(m)]
        missing: dict[str, list[str]] = {}
        for label, m, _ in timed:
            if not _has(m):
                missing.setdefault(m.get("reason") or "unavailable", []).append(label.lower())
        items += [f"Not measured ({why}): {', '.join(what)}" for why, what in missing.items()]
    items.append(f"Your share of the words: {measure(a['word_share'], _percent)}")
    if longest := next((x for x in a["answers"] if x["number"] == a.get("longest_answer")), None):
        items.append(f"Longest answer: {_longest(longest)}")
    if a.get("top_words"):
        items.append("Most used words: " + ", ".join(f"{w} ({n})" for w, n in a["top_words"]))
    if a.get("repeats"):
        items.append(f"Words said twice in a row: {_repeats(a['repeats'])}")
    return items


def _coverage_section(coverage: Mapping[str, Any]) -> Section:
    used, missing = coverage.get("used", []), coverage.get("missing", [])
    share = f"{len(used)} of {len(coverage['terms'])} key terms used"
    note = "Key terms are picked from the job description by fixed rules (a list of "
    note += "technologies, tools and skills, each with its other spellings, so “k8s” counts "
    note += "for Kubernetes); no AI is involved."
    blocks: list[Block] = [
        Para(share, "Coverage: "),
        Items(
            [
                f"Used: {', '.join(used) or 'none'}",
                f"Never mentioned: {', '.join(missing) or 'none'}",
            ]
        ),
        Para(note, note=True),
    ]
    return Section("Job description coverage", blocks, "jd")


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
    words = answer["words"]
    return (
        f"answer {answer['number']} ({_stage(answer['stage'])}): "
        f"{words} word{'s' * (words != 1)}{length}"
    )


def _repeats(repeats: list[str]) -> str:
    if not repeats:
        return "none"
    shown = ", ".join(f"“{r}”" for r in dict.fromkeys(repeats))
    return f"{len(repeats)} ({shown})"


def _has(m: Mapping[str, Any]) -> bool:
    return m.get("value") is not None


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _stage(stage: str) -> str:
    return STAGE_TITLES.get(stage, stage or "unknown")
