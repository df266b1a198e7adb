"""The top of the report: the picture in a few lines, the three things to change, and what
went well.

Everything here is read from the report's dict: the rubric's verified improvements and
strengths come first; measured tips (an answer heavy with fillers or hedges, a very long or
very short answer) fill the list up to three, each tied to the answer it is about and
marked "measured". Nothing is said that the figures or the verified quotes do not support.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockflow.feedback.report.blocks import Block, Heading, Para, Quote, Section

TOP_CHANGES = 3
FILLER_TIP_RATE = 4.0  # fillers per 100 words in one answer
FILLER_TIP_COUNT = 3
HEDGE_TIP_COUNT = 3
LONG_ANSWER_WORDS = 300  # about two minutes of speech
SHORT_ANSWER_WORDS = 15
QUIET_STAGES = ("greeting", "closing")  # short answers are normal there


def summary_section(report: Mapping[str, Any]) -> Section:
    analytics = report.get("analytics") or {}
    rubric = report.get("rubric")
    blocks: list[Block] = [Para(_scores_line(rubric, report.get("rubric_note")))]
    if analytics.get("answers"):
        blocks.append(Para(_delivery_line(analytics, report.get("session") or {})))
    elif not rubric:
        blocks.append(Para("There were no answers to measure."))
    return Section("In short", blocks, "summary")


def changes_section(report: Mapping[str, Any]) -> Section | None:
    rubric = report.get("rubric") or {}
    section = Section("Top things to change", key="changes")
    used: set[int] = set()
    count = 0
    for item in rubric.get("improvements", [])[:TOP_CHANGES]:
        count += 1
        original = item["original"]
        used.add(original["answer"])
        section.blocks += [
            Heading(f"{count}. {item['point']}"),
            Quote(original["quote"], f"What you said (answer {original['answer']})"),
            Quote(item["rewrite"], "A stronger version"),
        ]
    for number, tip in measured_tips((report.get("analytics") or {}).get("answers", [])):
        if count >= TOP_CHANGES:
            break
        if number in used:
            continue
        count += 1
        used.add(number)
        section.blocks.append(Heading(f"{count}. {tip}"))
        section.blocks.append(Para(f"Measured in answer {number}; see it below.", note=True))
    return section if count else None


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


def measured_tips(answers: list[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """(answer number, tip) from the figures alone, the most pressing first."""
    tips: list[tuple[float, int, str]] = []
    for a in answers:
        rate = (a.get("filler_rate") or {}).get("value") or 0.0
        if a["filler_count"] >= FILLER_TIP_COUNT and rate >= FILLER_TIP_RATE:
            top = max(a.get("fillers", {}).items(), key=lambda kv: kv[1], default=("", 0))[0]
            text = f"Cut the filler words in answer {a['number']}: {a['filler_count']} in "
            text += f"{a['words']} words" + (f", mostly “{top}”" if top else "") + "."
            tips.append((rate, a["number"], text))
        if a.get("hedge_count", 0) >= HEDGE_TIP_COUNT:
            text = f"Say it with more conviction in answer {a['number']}: "
            text += f"{a['hedge_count']} hedges such as “I think” or “maybe”."
            tips.append((a["hedge_count"], a["number"], text))
        if a["words"] > LONG_ANSWER_WORDS:
            text = f"Shorten answer {a['number']} ({a['words']} words): lead with your point, "
            text += "then give one example."
            tips.append((a["words"] / 100, a["number"], text))
        if a["words"] < SHORT_ANSWER_WORDS and a.get("stage") not in QUIET_STAGES:
            text = f"Say more in answer {a['number']} (only {a['words']} words): add a "
            text += "concrete example of what you did."
            tips.append((2.0, a["number"], text))
    tips.sort(key=lambda t: -t[0])
    # the strongest tip of each kind first, so three tips are not three of the same kind
    kinds: dict[str, tuple[int, str]] = {}
    for _, number, text in tips:
        kinds.setdefault(text.split()[0], (number, text))
    first = list(kinds.values())
    return first + [(number, text) for _, number, text in tips if (number, text) not in first]


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
        line += f" in {round(seconds / 60)} min"
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
