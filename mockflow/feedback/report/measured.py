"""Things to change read from the measured figures alone, so a report coaches even when
the model's rubric is missing or failed.

Each tip names its answer (and, with a transcript, the question it answered) and the
figure behind it; every threshold below says why it sits where it does. A tip is only
written when its figure was computed: nothing here is estimated or guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Conversational speech carries about one to two filler words per 100 words; from about
# three per 100 a listener starts to notice them. Fewer than three in one answer is never
# worth a tip, however short the answer.
FILLER_TIP_RATE = 3.0
FILLER_TIP_COUNT = 3
# Across the whole interview two per 100 words is heard as a habit: the answer with the
# most fillers is named even when no single answer passes the bar above.
SESSION_FILLER_RATE = 2.0
# Two hedges in a 60-word answer leave its point in doubt; the same two in a 300-word
# story are hardly heard, hence a count and a rate.
HEDGE_TIP_COUNT = 2
HEDGE_TIP_RATE = 2.0  # per 100 words
# A story (STAR) answer runs about two minutes, some 300 words; other answers (an
# introduction, why this company) about 90 seconds, some 220 words.
STORY_LONG_WORDS = 300
LONG_ANSWER_WORDS = 220
# A story in under 40 words cannot hold a situation, an action and a result; any other
# question deserves at least a sentence or two.
STORY_SHORT_WORDS = 40
SHORT_ANSWER_WORDS = 15
QUIET_STAGES = ("greeting", "closing")  # short answers are normal there
QUESTION_WORDS = 8  # how much of a question a tip quotes
MEASURED_LABEL = "Measured from your transcript"


@dataclass(frozen=True)
class Tip:
    answer: int  # 1-based answer number
    kind: str  # fillers | hedges | long | short | no_result
    text: str
    weight: float  # how pressing, comparable across kinds


def measured_tips(
    answers: list[Mapping[str, Any]], questions: Mapping[int, str] | None = None
) -> list[Tip]:
    """Tips from the figures alone, the most pressing first, one of each kind before a
    second of any; `questions` (answer number -> question asked) lets a tip quote it."""
    asked = questions or {}
    tips: list[Tip] = []
    for a in answers:
        where = _where(a["number"], asked.get(a["number"], ""))
        tips += [t for rule in _RULES if (t := rule(a, where)) is not None]
    tips += _session_filler_tip(answers, tips, asked)
    tips.sort(key=lambda t: -t.weight)
    first: dict[str, Tip] = {}
    for tip in tips:
        first.setdefault(tip.kind, tip)
    return list(first.values()) + [t for t in tips if t not in first.values()]


def questions_of(transcript: list[Mapping[str, Any]] | None) -> dict[int, str]:
    """Answer number -> what the interviewer asked right before it."""
    asked: dict[int, str] = {}
    since: list[str] = []
    for turn in transcript or []:
        if turn.get("role") == "candidate":
            asked[len(asked) + 1] = " ".join(since)
            since = []
        else:
            since.append(str(turn.get("text") or ""))
    return asked


def _fillers(a: Mapping[str, Any], where: str) -> Tip | None:
    rate = _rate(a)
    if a["filler_count"] < FILLER_TIP_COUNT or rate < FILLER_TIP_RATE:
        return None
    return Tip(a["number"], "fillers", _filler_text(a, where), rate)


def _filler_text(a: Mapping[str, Any], where: str) -> str:
    counts = sorted(a.get("fillers", {}).items(), key=lambda kv: -kv[1])
    text = f"Cut the filler words in {where}: {a['filler_count']} in {a['words']} words"
    if counts and (len(counts) == 1 or counts[0][1] > counts[1][1]):  # a tie has no "mostly"
        text += f", mostly “{counts[0][0]}”"
    return text + "."


def _hedges(a: Mapping[str, Any], where: str) -> Tip | None:
    count, words = a.get("hedge_count", 0), a["words"]
    if count < HEDGE_TIP_COUNT or not words or count * 100 / words < HEDGE_TIP_RATE:
        return None
    said = a.get("hedges") or {}
    named = ", ".join(f"“{h}”" + (f" ×{n}" if n > 1 else "") for h, n in said.items())
    text = f"Say it with more conviction in {where}: {count} hedges"
    text += f" ({named})." if named else " such as “I think” or “maybe”."
    return Tip(a["number"], "hedges", text, count * 100 / words)


def _length(a: Mapping[str, Any], where: str) -> Tip | None:
    words, story = a["words"], bool(a.get("story"))
    long_words = STORY_LONG_WORDS if story else LONG_ANSWER_WORDS
    short_words = STORY_SHORT_WORDS if story else SHORT_ANSWER_WORDS
    if words > long_words:
        text = f"Shorten {where}: {words} words. Lead with your point, then give one example."
        return Tip(a["number"], "long", text, words / 100)
    if words < short_words and a.get("stage") not in QUIET_STAGES:
        ask = "a concrete example of what you did"
        if story:
            ask = "the situation, what you did and how it turned out"
        text = f"Say more in {where}: only {words} word{'s' * (words != 1)}. Add {ask}."
        return Tip(a["number"], "short", text, 2.0)
    return None


def _no_result(a: Mapping[str, Any], where: str) -> Tip | None:
    if a.get("states_result") is not False or a["words"] < STORY_SHORT_WORDS:
        return None
    text = f"Say how it turned out in {where}: the story names no result (no number, no "
    text += "outcome, no “as a result”)."
    return Tip(a["number"], "no_result", text, 2.5)


_RULES = (_fillers, _hedges, _length, _no_result)


def _session_filler_tip(
    answers: list[Mapping[str, Any]], tips: list[Tip], asked: Mapping[int, str]
) -> list[Tip]:
    words = sum(a["words"] for a in answers)
    count = sum(a["filler_count"] for a in answers)
    if any(t.kind == "fillers" for t in tips) or not words or count < FILLER_TIP_COUNT:
        return []
    if count * 100 / words < SESSION_FILLER_RATE:
        return []
    spoken = [a for a in answers if a.get("stage") not in QUIET_STAGES] or answers
    worst = max(spoken, key=lambda a: (a["filler_count"], _rate(a)))
    text = _filler_text(worst, _where(worst["number"], asked.get(worst["number"], "")))
    text = text[:-1] + f" ({count} in the whole interview)."
    return [Tip(worst["number"], "fillers", text, count * 100 / words)]


def _rate(a: Mapping[str, Any]) -> float:
    return float((a.get("filler_rate") or {}).get("value") or 0.0)


def _where(number: int, question: str) -> str:
    words = question.split()
    if not words:
        return f"answer {number}"
    quoted = " ".join(words[:QUESTION_WORDS]) + ("…" if len(words) > QUESTION_WORDS else "")
    return f"answer {number} (to “{quoted}”)"
