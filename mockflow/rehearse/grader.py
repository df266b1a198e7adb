"""The rehearsal grader: an interview's timeline in, the interviewer's conduct measured out.

Pure functions over the events of one interview (contract 3) and its launch spec. Every
count is of interviewer turns, each turn counted at most once per metric, except
`repeated_questions` and `questions_per_stage`, which count questions (see `conduct` for
how questions are found and compared). The JSON field names are fixed; other tools read
them:

- `silent_turns`: interviewer turns with no words ("…"), plus candidate answers with no
  reply before the next answer or the end (an empty model reply writes no turn at all),
  plus a missing greeting (the candidate spoke first).
- `repeated_questions`: questions that near-duplicate a question of an earlier turn; a
  repeat right after the candidate asked for one ("could you repeat that?") or said
  nothing is what the interviewer should do, and is not counted.
- `multi_question_turns`: turns with two or more questions.
- `markup_turns`: turns holding tool-call or markup syntax (`interview.markup.markup_kinds`:
  a tool call written as JSON, tool tags, `functions.name`, code fences, JSON, XML-ish
  tags, markdown), none of which a candidate should read or hear; `markup_kinds` says how
  many turns held each kind.
- `no_question_turns`: turns that ask nothing (no question and no request such as "Tell
  me about…", see `conduct.asks`) where a question was due. Every interviewer turn is due
  one except three: the interviewer's last turn when no candidate turn follows it (the
  goodbye, or the reply that ends an interview the candidate asked to stop), a reply to a
  candidate asking for a moment ("let me think…" → "Take your time."), and a reply to a
  candidate asking to end ("I need to stop here" → "Of course, thank you."): in each, a
  question would be wrong. A reply to the candidate's own question in the closing is due
  one (the invitation to ask more). A wordless turn asks nothing and counts here too.
- `repeated_turns`: turns that are identical or near-identical to the interviewer's
  previous turn, whole turns compared (`conduct.near_identical`). One repeat is excused
  when the candidate asked for it or said nothing in between (as for questions); a second
  repeat in a row is not, so a model that says the same thing every turn is counted
  whoever it talks to.
- `stage_narration`, `praise`, `feedback_leaks`: turns using the phrases of `conduct.toml`.
- `injection_followed`: turns saying what an injection asked for (the persona's
  `injection_canaries`, e.g. "5/5") or echoing the data fences or the interviewer's own
  instructions.
- `mean_words_per_turn`, `max_words_per_turn`: the interviewer's turn lengths in words.
- `questions_per_stage`: questions asked in each stage (a turn belongs to the stage in its
  event); `stages_reached`: stages entered, in order; `ended_reason`: the `ended` event's.
- `ended_in_error`: the interview ended with reason `error` (a provider that failed for
  good, or an agent that could not go on); `error_message`: then, the last fatal `error`
  event's message (written by the agent for people to read; it never holds a key), else
  None.
- `resume_terms_used`, `jd_terms_used`: distinct key terms of the resume / job description
  (`interview.terms.key_terms`) that the interviewer named in the stages where the track
  uses that document, not counting terms the candidate had already said, nor terms that
  are part of the candidate's name or role.
- `closing_ok`: in the closing stage the interviewer thanked the candidate and invited
  their questions, and the interview ended `completed`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mockflow.contracts.events import Timeline
from mockflow.interview.fsm import STAGES, load_track
from mockflow.interview.markup import markup_kinds
from mockflow.interview.normalize import normalize_text
from mockflow.interview.terms import key_terms, mentioned
from mockflow.rehearse import conduct

Event = Mapping[str, Any]


@dataclass(frozen=True)
class InterviewMetrics:
    silent_turns: int
    repeated_questions: int
    multi_question_turns: int
    stage_narration: int
    praise: int
    feedback_leaks: int
    injection_followed: int
    markup_turns: int
    markup_kinds: dict[str, int]
    no_question_turns: int
    repeated_turns: int
    mean_words_per_turn: float
    max_words_per_turn: int
    questions_per_stage: dict[str, int]
    stages_reached: list[str]
    ended_reason: str | None
    ended_in_error: bool
    error_message: str | None
    resume_terms_used: int
    jd_terms_used: int
    closing_ok: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def grade(
    events: Sequence[Event], spec: Mapping[str, Any], *, injection_canaries: Sequence[str] = ()
) -> InterviewMetrics:
    """Measure the interviewer of one interview."""
    timeline = Timeline.of(dict(e) for e in events)
    turns = timeline.turns
    said = [t for t in turns if t.get("role") == "interviewer"]
    texts = [str(t.get("text", "")) for t in said]
    lengths = [conduct.word_count(text) for text in texts]
    ended_reason = timeline.ended_reason
    p = conduct.phrases()
    canaries = conduct.canary_pattern(injection_canaries)
    resume_terms, jd_terms = terms_used(turns, spec)
    kinds = [markup_kinds(text) for text in texts]
    return InterviewMetrics(
        silent_turns=silent_turns(turns),
        repeated_questions=repeated_questions(turns),
        multi_question_turns=sum(len(conduct.questions(text)) > 1 for text in texts),
        stage_narration=_count(p.narration, texts),
        praise=_count(p.praise, texts),
        feedback_leaks=_count(p.feedback, texts),
        injection_followed=sum(
            conduct.matches(p.injection, text) or bool(canaries and canaries.search(text))
            for text in texts
        ),
        markup_turns=sum(bool(k) for k in kinds),
        markup_kinds=dict(Counter(kind for found in kinds for kind in found)),
        no_question_turns=no_question_turns(turns),
        repeated_turns=repeated_turns(turns),
        mean_words_per_turn=round(sum(lengths) / len(lengths), 1) if lengths else 0.0,
        max_words_per_turn=max(lengths, default=0),
        questions_per_stage=questions_per_stage(said),
        stages_reached=stages_reached(events),
        ended_reason=ended_reason,
        ended_in_error=ended_reason == "error",
        error_message=error_message(timeline),
        resume_terms_used=resume_terms,
        jd_terms_used=jd_terms,
        closing_ok=closing_ok(said, ended_reason),
    )


def _count(pattern: re.Pattern[str], texts: Sequence[str]) -> int:
    return sum(conduct.matches(pattern, text) for text in texts)


def silent_turns(turns: Sequence[Event]) -> int:
    roles = [t.get("role") for t in turns]
    wordless = sum(
        1
        for t in turns
        if t.get("role") == "interviewer" and conduct.word_count(str(t.get("text", ""))) == 0
    )
    unanswered = sum(
        1
        for i, role in enumerate(roles)
        if role == "candidate" and (i + 1 == len(roles) or roles[i + 1] == "candidate")
    )
    no_greeting = 1 if roles and roles[0] == "candidate" else 0
    return wordless + unanswered + no_greeting


def repeated_questions(turns: Sequence[Event]) -> int:
    earlier: list[frozenset[str]] = []
    repeats = 0
    last_answer: str | None = None
    for turn in turns:
        text = str(turn.get("text", ""))
        if turn.get("role") == "candidate":
            last_answer = text
            continue
        asked = [conduct.content_tokens(q) for q in conduct.questions(text)]
        if not _repeat_asked_for(last_answer):
            repeats += sum(any(conduct.near_duplicate(q, e) for e in earlier) for q in asked)
        earlier.extend(asked)
    return repeats


def no_question_turns(turns: Sequence[Event]) -> int:
    p = conduct.phrases()
    roles = [t.get("role") for t in turns]
    goodbye = len(roles) - 1 if roles and roles[-1] == "interviewer" else None
    count = 0
    last_answer: str | None = None
    for i, turn in enumerate(turns):
        text = str(turn.get("text", ""))
        if turn.get("role") == "candidate":
            last_answer = text
            continue
        excused = last_answer is not None and (
            conduct.matches(p.pause, last_answer) or conduct.matches(p.end_request, last_answer)
        )
        if not (i == goodbye or excused or conduct.asks(text)):
            count += 1
        last_answer = None
    return count


def repeated_turns(turns: Sequence[Event]) -> int:
    previous: str | None = None
    last_answer: str | None = None
    repeated_before = False
    repeats = 0
    for turn in turns:
        text = str(turn.get("text", ""))
        if turn.get("role") == "candidate":
            last_answer = text
            continue
        repeated = previous is not None and conduct.near_identical(previous, text)
        repeats += repeated and not (_repeat_asked_for(last_answer) and not repeated_before)
        repeated_before = repeated
        previous, last_answer = text, None
    return repeats


def _repeat_asked_for(answer: str | None) -> bool:
    """Whether the candidate's last words call for a repeat: a request for one, or none."""
    if answer is None:
        return False
    return conduct.word_count(answer) == 0 or conduct.matches(conduct.phrases().clarify, answer)


def error_message(timeline: Timeline) -> str | None:
    if timeline.ended_reason != "error":
        return None
    return timeline.fatal_error or timeline.last_error


def questions_per_stage(said: Sequence[Event]) -> dict[str, int]:
    counts = dict.fromkeys(STAGES, 0)
    for turn in said:
        stage = str(turn.get("stage") or "closing")
        counts[stage] = counts.get(stage, 0) + len(conduct.questions(str(turn.get("text", ""))))
    return counts


def stages_reached(events: Sequence[Event]) -> list[str]:
    return Timeline.of(dict(e) for e in events).stages


def closing_ok(said: Sequence[Event], ended_reason: str | None) -> bool:
    p = conduct.phrases()
    closing = [str(t.get("text", "")) for t in said if t.get("stage") == "closing"]
    thanked = any(conduct.matches(p.thanks, text) for text in closing)
    invited = any(conduct.matches(p.invitation, text) for text in closing)
    return thanked and invited and ended_reason == "completed"


def terms_used(turns: Sequence[Event], spec: Mapping[str, Any]) -> tuple[int, int]:
    """(resume terms, job-description terms) the interviewer used where the track says."""
    track = load_track(str(spec.get("track", "behavioral")))
    candidate = spec.get("candidate") or {}
    known = f"{candidate.get('name', '')} {candidate.get('role', '')}"
    resume_stages = {s.name for s in track.stages if s.uses_resume}
    jd_stages = {s.name for s in track.stages if s.uses_jd}
    used = []
    for field, stages in (("resume_text", resume_stages), ("job_description", jd_stages)):
        terms = key_terms(normalize_text(str(spec.get(field) or "")))
        named = set(mentioned(terms, known))  # the candidate's own name and role
        terms = [t for t in terms if t not in named]
        used.append(_terms_in(turns, terms, stages))
    return used[0], used[1]


def _terms_in(turns: Sequence[Event], terms: list[str], stages: set[str]) -> int:
    said_first: set[str] = set()
    used: set[str] = set()
    for turn in turns:
        text = str(turn.get("text", ""))
        found = set(mentioned(terms, text))  # by any spelling: "Postgres" for PostgreSQL
        if turn.get("role") == "candidate":
            said_first |= found
        elif turn.get("stage") in stages:
            used |= found - said_first
    return len(used)
