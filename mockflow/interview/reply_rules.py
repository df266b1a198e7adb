"""Rules checked in code on each interviewer reply, sentence by sentence, after generation:
one question per turn, no praise or grading at the start, no talk of stages or tools.
The phrase lists are data (`reply_rules.toml`)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+")
_CLAUSE_END = re.compile(r"[,:;.!\u2013\u2014]|\s-\s")
_ACKNOWLEDGEMENT_WORDS = 3  # "Thanks.", "I see.", "Got it, thanks." keep a reply's start open


@dataclass(frozen=True)
class ReplyRules:
    praise: re.Pattern[str]
    narration: re.Pattern[str]
    recital_words: int
    echo_words: int
    said_words: int
    repeat_asked: re.Pattern[str]
    repeat_instructed: re.Pattern[str]
    requests: re.Pattern[str]
    pause: re.Pattern[str]
    end_request: re.Pattern[str]
    goodbye: re.Pattern[str]
    as_candidate_share: float
    own_statement: re.Pattern[str]
    stopwords: frozenset[str]
    compliance: re.Pattern[str]
    compliance_asked: re.Pattern[str]
    compliance_instructed: re.Pattern[str]


@cache
def load_reply_rules() -> ReplyRules:
    raw = tomllib.loads(
        resources.files("mockflow.interview").joinpath("reply_rules.toml").read_text("utf-8")
    )
    praise, narration = raw["praise"], raw["narration"]
    lead_in = _alternatives(praise["lead_ins"])
    not_before = _alternatives(praise["not_before"])
    return ReplyRules(
        praise=re.compile(
            rf"^(?:(?:{lead_in})\b[\s,.!\u2013\u2014-]*)?(?:{_alternatives(praise['phrases'])})"
            rf"\b(?!\s+(?:{not_before})\b)",
            re.IGNORECASE,
        ),
        narration=re.compile(
            "|".join([rf"\b(?:{_alternatives(narration['phrases'])})\b", *narration["patterns"]]),
            re.IGNORECASE,
        ),
        recital_words=int(raw["echo"]["instructions_words"]),
        echo_words=int(raw["echo"]["candidate_words"]),
        said_words=int(raw["repeat"]["said_words"]),
        repeat_asked=_words(raw["repeat"]["asked"]),
        repeat_instructed=_words(raw["repeat"]["instructed"]),
        requests=_words(raw["requests"]["phrases"]),
        pause=_words(raw["pause"]["phrases"]),
        end_request=_words(raw["end_request"]["phrases"]),
        goodbye=_words(raw["goodbye"]["phrases"]),
        as_candidate_share=float(raw["as_candidate"]["share"]),
        own_statement=re.compile(
            rf"^(?:{_alternatives(raw['as_candidate']['own'])})\b", re.IGNORECASE
        ),
        stopwords=frozenset(raw["as_candidate"]["stopwords"]),
        compliance=re.compile(
            rf"^(?:{_alternatives(raw['compliance']['openers'])})\b[\s,.!\u2013\u2014-]*",
            re.IGNORECASE,
        ),
        compliance_asked=_words(raw["compliance"]["asked_by"]),
        compliance_instructed=_words(raw["compliance"]["instructed"]),
    )


def _words(phrases: list[str]) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_alternatives(phrases)})\b", re.IGNORECASE)


def _alternatives(phrases: list[str]) -> str:
    longest_first = sorted(phrases, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in longest_first)


def split_sentences(text: str) -> list[str]:
    return [s for s in (part.strip() for part in _SENTENCE_END.split(text)) if s]


def is_question(sentence: str) -> bool:
    return sentence.rstrip("\"')] ").endswith("?")


def says_goodbye(text: str) -> bool:
    """Whether `text` takes leave of the candidate ("Thank you for your time. Goodbye!")."""
    return bool(load_reply_rules().goodbye.search(_straight(text)))


def asks(text: str) -> bool:
    """Whether `text` holds a question or a request for an answer."""
    rules = load_reply_rules()
    return any(
        is_question(sentence) or rules.requests.search(_straight(sentence))
        for sentence in split_sentences(text)
    )


def asking_part(text: str, said: str = "") -> str:
    """`text` from its first sentence that asks for an answer (a question or a request)
    on: what a reply that asked nothing can borrow without a second greeting. Sentences
    the reply has `said` already are left out ("A recent example would help." twice)."""
    rules = load_reply_rules()
    sentences = split_sentences(text)
    for i, sentence in enumerate(sentences):
        if is_question(sentence) or rules.requests.search(_straight(sentence)):
            sentences = sentences[i:]
            break
    already = {_plain(sentence) for sentence in split_sentences(said)}
    kept = [s for s in sentences if _plain(s) not in already or is_question(s)]
    return " ".join(kept)


def _plain(sentence: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", _straight(sentence).lower()))


def _shingles(text: str, size: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", _straight(text).lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


class TurnRules:
    """The rules over one turn's sentences, in order: `accept` gives each sentence as it
    may be said (possibly trimmed) or None to drop it."""

    def __init__(
        self,
        rules: ReplyRules | None = None,
        *,
        instructions: Iterable[str] = (),
        candidate: Iterable[str] = (),
        said: Iterable[str] = (),
    ) -> None:
        """`instructions`, `candidate` and `said` (the interviewer's earlier turns): what a
        sentence must not copy at length (see `[echo]` and `[repeat]` in the rules)."""
        self._rules = rules or load_reply_rules()
        self.asked = False  # the turn's question has been said: nothing more follows
        self.goodbye = False  # the interview is over: the turn asks nothing at all
        self.requested = False  # a sentence asked for an answer without a question mark
        self._opening = True  # nothing but short acknowledgements said so far
        candidate, instructions = list(candidate), list(instructions)
        self._last_answer = candidate[-1] if candidate else ""
        if self.repeat_wanted(instructions):
            said = ()
        # something was asked of the interviewer: "Sure." may open the reply
        self._requested_of_us = self._answer_asked() or any(
            self._rules.compliance_instructed.search(text) for text in instructions
        )
        self._copied = [
            (size, set().union(*(_shingles(text, size) for text in texts)))
            for size, texts in (
                (self._rules.recital_words, instructions),
                (self._rules.echo_words, candidate),
                (self._rules.said_words, said),
            )
        ]

    def repeat_wanted(self, instructions: list[str]) -> bool:
        """Whether this reply may say again what was said: the candidate asked for it, or
        the reply's instructions do (a welcome back after a dropped connection)."""
        answer = _straight(self._last_answer)
        if self._rules.repeat_asked.search(answer):
            return True
        return any(self._rules.repeat_instructed.search(text) for text in instructions)

    def question_due(self) -> bool:
        """Whether the turn so far leaves the candidate without a question or a request to
        answer when one is due (not after a request for a moment or to stop)."""
        if self.asked or self.requested:
            return False
        answer = _straight(self._last_answer)
        return not (self._rules.pause.search(answer) or self._rules.end_request.search(answer))

    def accept(self, sentence: str) -> str | None:
        sentence = _straight(sentence).strip()
        if self.asked or not re.search(r"\w", sentence):
            return None
        if self._opening and not self._requested_of_us:
            sentence = self._without_compliance(sentence)
        if sentence and self._speaks_as_candidate(sentence):
            sentence = ""
        if self._opening and sentence and self._rules.praise.search(sentence):
            sentence = self._after_clause(sentence, self._rules.praise) or ""
        if sentence and self._rules.narration.search(sentence):
            sentence = self._after_clause(sentence, self._rules.narration, keep=True) or ""
        if sentence and any(_shingles(sentence, n) & seen for n, seen in self._copied):
            sentence = ""
        if not sentence:
            return None
        if self.goodbye and is_question(sentence):
            return None  # a question the candidate would have no chance to answer
        if is_question(sentence):
            self.asked = True
        elif self._rules.requests.search(sentence):
            self.requested = True
        if self.asked or len(sentence.split()) > _ACKNOWLEDGEMENT_WORDS:
            self._opening = False
        return sentence

    def _answer_asked(self) -> bool:
        answer = _straight(self._last_answer)
        rules = self._rules
        return asks(answer) or any(
            rule.search(answer) for rule in (rules.compliance_asked, rules.pause, rules.end_request)
        )

    def _without_compliance(self, sentence: str) -> str:
        """`sentence` without a "Sure!" that answers no request; "" if nothing else."""
        opener = self._rules.compliance.match(sentence)
        if opener is None:
            return sentence
        rest = sentence[opener.end() :].strip()
        return rest[0].upper() + rest[1:] if len(rest.split()) >= 2 else ""

    def _speaks_as_candidate(self, sentence: str) -> bool:
        """A first-person statement made mostly of the last answer's content words."""
        if is_question(sentence) or not re.match(r"(?:i|i'm|i've|i'd|my)\b", sentence, re.I):
            return False
        if self._rules.own_statement.match(sentence):
            return False
        words = self._content_words(sentence)
        if len(words) < 3:
            return False
        answer = self._content_words(self._last_answer)
        return len(words & answer) >= self._rules.as_candidate_share * len(words)

    def _content_words(self, text: str) -> set[str]:
        words = re.findall(r"[a-z0-9']+", _straight(text).lower())
        return {w for w in words if w not in self._rules.stopwords}

    @staticmethod
    def _after_clause(sentence: str, rule: re.Pattern[str], keep: bool = False) -> str | None:
        """What a question says after the clause `rule` matched in; None for a statement,
        or (with `keep`) the question unchanged when no clause ends after the match."""
        if not is_question(sentence):
            return None
        last = list(rule.finditer(sentence))[-1]
        clause_end = _CLAUSE_END.search(sentence, last.end())
        rest = sentence[clause_end.end() :].strip() if clause_end else ""
        if len(rest.split()) < 2:
            return sentence if keep else None
        return rest[0].upper() + rest[1:]


def _straight(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")
