"""The top of the report: the picture in a few lines, the things to change, and what
went well.

Everything here is read from the report's dict. The things to change never rest on the
model alone: the measured tips (`report.measured`: fillers, hedges, length, a story with
no result, each tied to its answer and labelled as measured) are always shown; the
rubric's verified improvements, when there is a rubric, come first and add to them (a
measured tip the rubric already makes about the same answer is not repeated). Nothing is
said that the figures or the verified quotes do not support.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockflow.feedback.report.blocks import Block, Heading, Para, Quote, Section
from mockflow.feedback.report.durations import spoken_duration
from mockflow.feedback.report.measured import MEASURED_LABEL, Tip, measured_tips, questions_of
from mockflow.interview.fsm import STAGE_TITLES

RUBRIC_CHANGES = 3  # the rubric's improvements shown at most
MEASURED_CHANGES = 3  # measured tips shown without a rubric
MEASURED_WITH_RUBRIC = 2  # measured tips still shown beside the rubric's
# words in a rubric improvement's point that make it the same advice as a measured tip
SAME_ADVICE = {
    "fillers": ("filler", "“um”", " um", " uh"),
    "hedges": ("hedg", "conviction", "confiden", "tentative"),
    "long": ("shorten", "shorter", "concise", "too long", "rambl"),
    "short": ("say more", "more detail", "elaborate", "expand", "too short"),
    "no_result": ("result", "outcome", "impact", "turned out"),
}
ENDINGS = {
    "user_ended": "You ended the interview during the {stage} stage.",
    "timeout": "The interview reached its time limit during the {stage} stage.",
}
ENDED_DURING = "The interview ended during the {stage} stage."


def summary_section(report: Mapping[str, Any]) -> Section:
    analytics = report.get("analytics") or {}
    rubric = report.get("rubric")
    blocks: list[Block] = [Para(_scores_line(rubric, report.get("rubric_note")))]
    if analytics.get("answers"):
        blocks.append(Para(_delivery_line(analytics, report.get("session") or {})))
    elif not rubric:
        blocks.append(Para("There were no answers to measure."))
    if how := stage_endings(analytics):
        blocks.append(Para(how))
    return Section("In short", blocks, "summary")


def stage_endings(analytics: Mapping[str, Any]) -> str:
    """The stages skipped and the stage an early end cut short, in a sentence or two."""
    skipped = [_title(s) for s in analytics.get("skipped_stages") or []]
    lines = []
    if skipped:
        names = skipped[-1] if len(skipped) == 1 else f"{', '.join(skipped[:-1])} and {skipped[-1]}"
        lines.append(f"You skipped the {names} stage{'s' * (len(skipped) > 1)}.")
    if stage := analytics.get("ended_during"):
        how = ENDINGS.get(analytics.get("ended_reason") or "", ENDED_DURING)
        lines.append(how.format(stage=_title(stage)))
    return " ".join(lines)


def _title(stage: str) -> str:
    return STAGE_TITLES.get(stage, stage)


def changes_section(report: Mapping[str, Any]) -> Section | None:
    rubric = report.get("rubric") or {}
    section = Section("Top things to change", key="changes")
    improvements = rubric.get("improvements", [])[:RUBRIC_CHANGES]
    for count, item in enumerate(improvements, 1):
        original = item["original"]
        section.blocks += [
            Heading(f"{count}. {item['point']}"),
            Quote(original["quote"], f"What you said (answer {original['answer']})"),
            Quote(item["rewrite"], "A stronger version"),
        ]
    answers = (report.get("analytics") or {}).get("answers", [])
    tips = measured_tips(answers, questions_of(report.get("transcript")))
    tips = [t for t in tips if not _said_already(t, improvements)]
    shown = tips[: MEASURED_WITH_RUBRIC if improvements else MEASURED_CHANGES]
    for count, tip in enumerate(shown, len(improvements) + 1):
        section.blocks.append(Heading(f"{count}. {tip.text}"))
        note = f"{MEASURED_LABEL}: answer {tip.answer}, shown below with its figures."
        section.blocks.append(Para(note, note=True))
    return section if section.blocks else None


def _said_already(tip: Tip, improvements: list[Mapping[str, Any]]) -> bool:
    """The rubric makes the same point about the same answer."""
    words = SAME_ADVICE[tip.kind]
    return any(
        item["original"]["answer"] == tip.answer
        and any(w in " " + item["point"].lower() for w in words)
        for item in improvements
    )


def strengths_section(report: Mapping[str, Any]) -> Section | None:
    rubric = report.get("rubric") or {}
    section = Section("What went well", key="strengths")
    for item in rubric.get("strengths", []):
        evidence = item["evidence"]
        section.blocks += [
            Para(item["point"]),
            Quote(evidence["quote"], f"answer {evidence['answer']}"),
        ]
    if not section.blocks:
        section.blocks = [Para(p) for p in measured_strengths(report.get("analytics") or {})]
    return section if section.blocks else None


def measured_strengths(analytics: Mapping[str, Any]) -> list[str]:
    """What the figures show went well, when there is no rubric to say it."""
    found = []
    words = analytics.get("total_words") or 0
    if words >= 100 and analytics.get("filler_count", 0) * 100 <= words:
        found.append(
            f"Almost no filler words: {analytics.get('filler_count', 0)} in {words:,} words."
        )
    pace = (analytics.get("pace_wpm") or {}).get("value")
    if pace is not None and 120 <= pace <= 160:
        found.append(f"A comfortable speaking pace: {pace:.0f} words per minute.")
    coverage = analytics.get("jd_coverage") or {}
    terms, used = coverage.get("terms") or [], coverage.get("used") or []
    if terms and len(used) * 2 >= len(terms):
        found.append(f"You used {len(used)} of the job description's {len(terms)} key terms.")
    return found


def _scores_line(rubric: Mapping[str, Any] | None, note: str | None) -> str:
    if not rubric:
        return note or "Scores and coaching have not been generated for this interview."
    scored = [c for c in rubric["competencies"] if c.get("score") is not None]
    if not scored:
        return "No competency had enough verified evidence to be scored."
    best = max(scored, key=lambda c: c["score"])
    worst = min(scored, key=lambda c: c["score"])
    line = f"Overall {rubric['overall']:g} / 5 from {len(scored)} scored competencies."
    if best["score"] == worst["score"]:
        return line + f" Each of them scored {best['score']} / 5."
    return (
        line + f" Strongest: {best['title']} ({best['score']} / 5). Most room to grow: "
        f"{worst['title']} ({worst['score']} / 5)."
    )


def _delivery_line(analytics: Mapping[str, Any], session: Mapping[str, Any]) -> str:
    answers, words = len(analytics["answers"]), analytics.get("total_words", 0)
    line = f"You gave {answers} answer{'s' * (answers != 1)} ({words:,} words)"
    if seconds := session.get("duration_seconds"):
        line += f" in {spoken_duration(seconds)}"
    line += "."
    fillers = analytics.get("filler_count", 0)
    if fillers:
        rate = (analytics.get("filler_rate") or {}).get("value")
        top = max(analytics.get("fillers", {}).items(), key=lambda kv: kv[1])[0]
        per = f" ({rate:.1f} per 100 words)" if rate is not None else ""
        line += f" {fillers} filler word{'s' * (fillers != 1)}{per}, most often “{top}”."
    else:
        line += " No filler words."
    if (pace := (analytics.get("pace_wpm") or {}).get("value")) is not None:
        line += f" Pace {pace:.0f} words per minute."
    coverage = analytics.get("jd_coverage") or {}
    if terms := coverage.get("terms"):
        line += f" You used {len(coverage.get('used') or [])} of {len(terms)} key terms from "
        line += "the job description."
    return line
