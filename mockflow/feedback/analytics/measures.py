"""Delivery analytics computed from a session's events: every figure measured or marked unavailable.

Nothing here is estimated. A figure that the transcript cannot support is a `Measure` with
`value=None` and a `reason` ("text mode", "no timing"), rendered as "not measured (...)".

- Words, fillers, hedges and repeats: `mockflow.feedback.analytics.fillers` has the full rule. In
  short: um/uh/er always count; "kind of"/"sort of" unless a determiner precedes them
  ("what kind of"); "like", "you know" and "I mean" only in a filler position (a
  punctuation break right after them, or next to um/uh/er; "like" also when doubled or
  before really/totally/literally...) and never when the word before binds them ("I like
  Python", "it looks like", "something like 20"). Ambiguous uses are not counted, so the
  count is a lower bound. Rates are per 100 words, fillers included in the words.
- Timings are used only when the session's transport is "room" (speech timings from STT
  and TTS playback). Duration of an answer = `ended_at - started_at`; pace = words per
  minute of that duration; overall pace = words of timed answers / their total duration.
- Think time = the candidate's `started_at` minus the `ended_at` of the interviewer turn
  right before it; a candidate who starts before the question has finished has a think
  time of 0 and counts as an interruption.
- Talk-time share = candidate speaking seconds / all speaking seconds (room only); word
  share = candidate words / all words (both transports).
- Repeated words: the candidate's most used content words (stopwords and fillers left out,
  used at least 3 times) and back-to-back repeats.
- JD coverage: `mockflow.feedback.analytics.terms` (the JD's key terms, used or never mentioned).
- Stories: an answer to a question that asks for a past episode (`analytics.stories`) is a
  story; whether it states a result is a word rule, recorded as found or not found.
- Skips and ends: a `stage` event with reason "skip" means the stage before it was skipped;
  an `ended` event with a reason other than "completed" names the stage it ended during.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from mockflow.contracts.events import Timeline
from mockflow.feedback.analytics.fillers import (
    FILLER_KINDS,
    FILLER_WORDS,
    TextScan,
    scan_text,
    tokenize,
)
from mockflow.feedback.analytics.stories import asks_for_story, states_result
from mockflow.feedback.analytics.terms import STOPWORDS, TermCoverage, term_coverage
from mockflow.feedback.session import Turn, transport_of, turns_of
from mockflow.interview.context import jd_key_terms
from mockflow.interview.fsm import STAGES

TEXT_MODE = "text mode"
NO_TIMING = "no timing"
NO_TRANSPORT = "transport unknown"
NO_ANSWERS = "no answers"
NO_WORDS = "no words"
TOP_WORDS = 8
MIN_TOP_WORD_COUNT = 3
_NOT_CONTENT = STOPWORDS | FILLER_WORDS


@dataclass(frozen=True)
class Measure:
    """A number, or None with the reason it could not be measured."""

    value: float | None
    reason: str | None = None

    @classmethod
    def unavailable(cls, reason: str) -> Measure:
        return cls(None, reason)

    @property
    def available(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class AnswerStats:
    number: int  # 1-based position among the candidate's answers
    stage: str
    words: int
    fillers: dict[str, int]
    filler_count: int
    filler_rate: Measure  # per 100 words
    hedge_count: int
    duration: Measure  # seconds
    pace_wpm: Measure
    think_time: Measure  # seconds, 0 when the candidate started before the question ended
    interrupted: bool = False
    hedges: dict[str, int] = field(default_factory=dict)  # each hedge as said, with its count
    story: bool = False  # the question asked for one past episode (a STAR answer)
    states_result: bool | None = None  # a story that says how it turned out; None: no story


@dataclass(frozen=True)
class StageCount:
    stage: str
    questions: int
    answers: int


@dataclass(frozen=True)
class SessionAnalytics:
    transport: str | None
    timings_measured: bool
    answers: list[AnswerStats]
    question_count: int
    total_words: int
    fillers: dict[str, int]
    filler_count: int
    filler_rate: Measure
    hedges: dict[str, int]
    hedge_count: int
    speaking_time: Measure
    pace_wpm: Measure
    think_time_median: Measure
    think_time_max: Measure
    interruptions: Measure
    talk_time_share: Measure
    word_share: Measure
    longest_answer: int | None  # answer number
    stages: list[StageCount]
    top_words: list[tuple[str, int]]
    repeats: list[str]
    jd_coverage: TermCoverage | None = None
    notes: list[str] = field(default_factory=list)
    skipped_stages: list[str] = field(default_factory=list)  # in order
    ended_during: str | None = None  # the stage an early end (not "completed") cut short
    ended_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.jd_coverage is not None:
            data["jd_coverage"]["share"] = self.jd_coverage.share
        return data


def analyze_events(
    events: list[dict[str, Any]],
    *,
    job_description: str = "",
    key_terms: list[str] | None = None,
) -> SessionAnalytics:
    """Analytics of one session; `key_terms` overrides the terms extracted from the JD."""
    transport = transport_of(events)
    turns = turns_of(events)
    timed = transport == "room"
    reason = None if timed else (TEXT_MODE if transport == "text" else NO_TRANSPORT)
    answers, scans = _answer_stats(turns, reason)
    candidate = [t for t in turns if t.role == "candidate"]
    total_words = sum(a.words for a in answers)
    fillers = _ordered(sum((s.fillers for s in scans), Counter()), FILLER_KINDS)
    hedges = dict(sum((s.hedges for s in scans), Counter()).most_common())
    terms = key_terms if key_terms is not None else jd_key_terms(job_description)
    skipped, ended_during, ended_reason = _stage_endings(events)
    return SessionAnalytics(
        transport=transport,
        timings_measured=timed,
        answers=answers,
        question_count=sum(1 for t in turns if t.role == "interviewer"),
        total_words=total_words,
        fillers=fillers,
        filler_count=sum(fillers.values()),
        filler_rate=_rate(sum(fillers.values()), total_words),
        hedges=hedges,
        hedge_count=sum(hedges.values()),
        **_timing_summary(turns, answers, reason),
        word_share=_word_share(turns, total_words),
        longest_answer=max(answers, key=lambda a: a.words).number if answers else None,
        stages=_stage_counts(turns),
        top_words=_top_words(candidate),
        repeats=[r for s in scans for r in s.repeats],
        jd_coverage=term_coverage(terms, [t.text for t in candidate]) if terms else None,
        notes=_notes(transport, candidate),
        skipped_stages=skipped,
        ended_during=ended_during,
        ended_reason=ended_reason,
    )


def _answer_stats(
    turns: list[Turn], reason: str | None
) -> tuple[list[AnswerStats], list[TextScan]]:
    answers: list[AnswerStats] = []
    scans: list[TextScan] = []
    previous: Turn | None = None
    asked = questions_before_answers(turns)
    for turn in turns:
        if turn.role == "candidate":
            story = asks_for_story(asked[len(answers)], turn.stage)
            scan = scan_text(turn.text)
            count = sum(scan.fillers.values())
            duration = _duration(turn, reason)
            gap = _think_time(previous, turn, reason)
            answers.append(
                AnswerStats(
                    number=len(answers) + 1,
                    stage=turn.stage,
                    words=scan.words,
                    fillers=_ordered(scan.fillers, FILLER_KINDS),
                    filler_count=count,
                    filler_rate=_rate(count, scan.words),
                    hedge_count=sum(scan.hedges.values()),
                    duration=duration,
                    pace_wpm=_pace(scan.words, duration),
                    think_time=gap if gap.value is None else Measure(max(gap.value, 0.0)),
                    interrupted=gap.value is not None and gap.value < 0,
                    hedges=dict(scan.hedges.most_common()),
                    story=story,
                    states_result=states_result(turn.text) if story else None,
                )
            )
            scans.append(scan)
        previous = turn
    return answers, scans


def questions_before_answers(turns: list[Turn]) -> list[str]:
    """What the interviewer said right before each answer (its turns since the last
    answer, joined), one entry per answer."""
    asked: list[str] = []
    since: list[str] = []
    for turn in turns:
        if turn.role == "interviewer":
            since.append(turn.text)
        elif turn.role == "candidate":
            asked.append(" ".join(since))
            since = []
    return asked


def _duration(turn: Turn, reason: str | None) -> Measure:
    if reason:
        return Measure.unavailable(reason)
    seconds = turn.duration
    return Measure(round(seconds, 2)) if seconds else Measure.unavailable(NO_TIMING)


def _pace(words: int, duration: Measure) -> Measure:
    if duration.value is None:
        return duration
    return Measure(round(words / duration.value * 60, 1))


def _think_time(previous: Turn | None, turn: Turn, reason: str | None) -> Measure:
    if reason:
        return Measure.unavailable(reason)
    if previous is None or previous.role != "interviewer":
        return Measure.unavailable("no question right before")
    if previous.ended_at is None or turn.started_at is None:
        return Measure.unavailable(NO_TIMING)
    return Measure(round(turn.started_at - previous.ended_at, 2))


def _timing_summary(
    turns: list[Turn], answers: list[AnswerStats], reason: str | None
) -> dict[str, Measure]:
    names: tuple[str, ...] = ("speaking_time", "pace_wpm", "think_time_median", "think_time_max")
    names += ("interruptions", "talk_time_share")
    if reason:
        return dict.fromkeys(names, Measure.unavailable(reason))
    timed = [a for a in answers if a.duration.value is not None]
    speaking = sum(a.duration.value or 0.0 for a in timed)
    gaps = [a.think_time.value for a in answers if a.think_time.value is not None]
    interviewer = [d for t in turns if t.role == "interviewer" and (d := t.duration)]
    missing = Measure.unavailable(NO_TIMING)
    return {
        "speaking_time": Measure(round(speaking, 1)) if timed else missing,
        "pace_wpm": _pace(sum(a.words for a in timed), Measure(speaking)) if timed else missing,
        "think_time_median": Measure(round(statistics.median(gaps), 2)) if gaps else missing,
        "think_time_max": Measure(round(max(gaps), 2)) if gaps else missing,
        "interruptions": Measure(sum(a.interrupted for a in answers)) if gaps else missing,
        "talk_time_share": Measure(round(speaking / (speaking + sum(interviewer)), 3))
        if timed and interviewer
        else missing,
    }


def _word_share(turns: list[Turn], candidate_words: int) -> Measure:
    asked = sum(len(tokenize(t.text).words) for t in turns if t.role == "interviewer")
    total = candidate_words + asked
    return Measure(round(candidate_words / total, 3)) if total else Measure.unavailable(NO_ANSWERS)


def _rate(count: int, words: int) -> Measure:
    return Measure(round(count / words * 100, 2)) if words else Measure.unavailable(NO_WORDS)


def _ordered(counts: Counter[str], order: tuple[str, ...]) -> dict[str, int]:
    return {kind: counts[kind] for kind in order if counts[kind]}


def _stage_counts(turns: list[Turn]) -> list[StageCount]:
    questions = Counter(t.stage for t in turns if t.role == "interviewer")
    answers = Counter(t.stage for t in turns if t.role == "candidate")
    known = [s for s in STAGES if questions[s] or answers[s]]
    other = sorted((set(questions) | set(answers)) - set(STAGES))
    return [StageCount(s, questions[s], answers[s]) for s in known + other]


def _top_words(candidate: list[Turn]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for turn in candidate:
        counts.update(w for w in tokenize(turn.text).words if len(w) > 2 and w not in _NOT_CONTENT)
    return [(w, n) for w, n in counts.most_common(TOP_WORDS) if n >= MIN_TOP_WORD_COUNT]


def _stage_endings(events: list[dict[str, Any]]) -> tuple[list[str], str | None, str | None]:
    """(stages skipped, the stage an early end cut short, the end's reason)."""
    skipped: list[str] = []
    stage: str | None = None
    for event in events:
        if event.get("type") == "stage" and isinstance(event.get("stage"), str):
            if event.get("reason") == "skip" and stage and stage not in skipped:
                skipped.append(stage)
            stage = event["stage"]
        elif event.get("type") == "ended" and event.get("last_move") == "skip":
            last = event.get("last_stage")  # Skip in the last stage: no stage follows it
            if isinstance(last, str) and last not in skipped:
                skipped.append(last)
    timeline = Timeline.of(events)
    reason = timeline.ended_reason
    early = reason is not None and reason != "completed"
    if stage is None and timeline.turns:  # a timeline without stage events: the last turn's
        stage = str(timeline.turns[-1].get("stage") or "") or None
    return skipped, stage if early else None, reason


def _notes(transport: str | None, candidate: list[Turn]) -> list[str]:
    notes = []
    if transport == "text":
        notes.append("Text mode: pace, think time and talk time are not measured.")
    elif transport != "room":
        notes.append("The session's transport is unknown, so no timing is used.")
    if not candidate:
        notes.append("The candidate gave no answers, so there is nothing to measure.")
    return notes
