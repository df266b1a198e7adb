"""Interview-grade turn-taking: patience profiles and the small policies built on them.

An interviewer must be patient while the candidate is mid-answer and quick when they are
done. The framework ends a user turn `wait` seconds after the last speech, or `quick_wait`
seconds when the turn detector says the turn is finished. `AnswerEndDetector` is that
turn detector: a text heuristic (no model, no network) that only calls a turn finished
when the words say so (a question back, "that's it", a short yes/no); everything else gets
the profile's full wait; a bare "yes"/"sure" counts as finished only after a yes/no
question, since after an open question it is how an answer starts. Thinking aloud ("let
me think", or only "hmm" so far) is recognised separately: the voice wiring then holds the
reply and merges what follows into the same answer, so a candidate who needs time after a
question gets it.

`SilenceWatch` decides the one gentle check-in after a long silence, then backs off until
the candidate speaks again. Nothing here imports the session; time comes from a clock.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

Patience = Literal["normal", "patient", "very_patient"]


@dataclass(frozen=True)
class PatienceProfile:
    """Seconds and counts for one patience setting (see README, "Patience profiles")."""

    name: str
    vad_min_silence: float  # Silero: silence that closes a speech segment
    quick_wait: float  # end of speech -> reply, when the words say the answer is finished
    wait: float  # end of speech -> reply, otherwise (the mid-answer pause it tolerates)
    interrupt_min_speech: float  # speech shorter than this never interrupts the interviewer
    interrupt_min_words: int  # nor does a transcript with fewer words ("mm-hm", "yeah")
    check_in_after: float  # silence before the one check-in
    think_check_in_after: float  # the same after "let me think"


PROFILES: dict[str, PatienceProfile] = {
    "normal": PatienceProfile("normal", 0.45, 0.5, 1.5, 0.5, 2, 12.0, 25.0),
    "patient": PatienceProfile("patient", 0.6, 0.8, 3.2, 0.8, 2, 15.0, 30.0),
    "very_patient": PatienceProfile("very_patient", 0.8, 1.2, 5.0, 1.2, 3, 25.0, 45.0),
}
DEFAULT_PATIENCE: Patience = "patient"
PREEMPTIVE_MAX_ANSWER_SECONDS = 300.0
PREEMPTIVE_DRAFTS_PER_ANSWER = 3


def profile_for(name: str | None, check_in_after: float | None = None) -> PatienceProfile:
    """The named profile; `check_in_after` replaces its silence limits (thinking: twice it)."""
    profile = PROFILES.get(name or DEFAULT_PATIENCE, PROFILES[DEFAULT_PATIENCE])
    if check_in_after is None:
        return profile
    return replace(profile, check_in_after=check_in_after, think_check_in_after=2 * check_in_after)


def turn_handling(profile: PatienceProfile, detector: object) -> dict[str, Any]:
    """`AgentSession(turn_handling=...)`: everything explicit, nothing left to auto-detection
    (the default turn detector loads a 250 MB model; adaptive interruption calls a cloud)."""
    return {
        "turn_detection": detector,
        "endpointing": {
            "mode": "fixed",
            "min_delay": profile.quick_wait,
            "max_delay": profile.wait,
        },
        "interruption": {
            "enabled": True,
            "mode": "vad",
            "min_duration": profile.interrupt_min_speech,
            "min_words": profile.interrupt_min_words,
            "resume_false_interruption": True,
            "false_interruption_timeout": 1.5,
        },
        # The model starts on the final transcript, during the patience wait, so the reply
        # is ready when the wait ends instead of a model round trip later. Interview answers
        # run long: allow them all (the framework's default skips any over 10 s). Speech
        # is synthesised only once the turn is confirmed: a discarded draft (the answer went
        # on, or the stage changed) costs a few thousand prompt tokens, never audio.
        "preemptive_generation": {
            "enabled": True,
            "preemptive_tts": False,
            "max_speech_duration": PREEMPTIVE_MAX_ANSWER_SECONDS,
            "max_retries": PREEMPTIVE_DRAFTS_PER_ANSWER,
        },
    }


# -- what the words say ------------------------------------------------------------------

_FILLERS = r"(?:um+|uh+|erm+|hmm+|mm+|ah+|so|okay|ok|well|right|yeah|like|please)"
_THINKING = re.compile(
    r"(?:let me (?:think|see|recall|remember|gather my thoughts|collect my thoughts)"
    r"(?: about (?:it|that|this))?(?: for a (?:second|sec|moment|minute))?"
    r"|give me (?:a|one) (?:second|sec|moment|minute)(?: to think)?"
    r"|(?:one|just a|wait a) (?:second|sec|moment|minute)"
    r"|i need (?:a|one) (?:second|sec|moment|minute)(?: to think)?"
    r"|bear with me|hold on|i'?m (?:still )?thinking)"
    rf"(?:[\s,.!?-]+{_FILLERS})*[\s,.!?-]*$"
)
_UNFINISHED = re.compile(
    r"(?:\b(?:and|but|or|so|because|cause|then|which|that|the|a|an|to|with|of|for|like|if"
    r"|when|where|while|um+|uh+|erm+|hmm+)|,|\.\.\.|…|-)\s*$"
)
_CLOSER = re.compile(
    r"(?:that'?s (?:it|all|about it|my answer|everything)|so yeah|i'?m done|i think that'?s it"
    r"|that covers it|that sums it up|over to you|thank you|thanks)[\s.!]*$"
)
_SHORT_REPLY = re.compile(
    r"^(?:yes|yeah|yep|sure|no|nope|not really|of course|absolutely|definitely|ready"
    r"|i'?m ready|go ahead|sounds good|thank you|thanks)\b"
)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().replace("’", "'"))


_HESITATION_ONLY = re.compile(r"^(?:(?:um+|uh+|erm+|hmm+|well|so)[\s,.!?-]*)+$")


def is_thinking_aloud(text: str) -> bool:
    """The candidate asked for time ("let me think", "give me a second") and stopped there,
    or has only hesitated so far ("Hmm.", "Um, well...")."""
    normal = _normal(text)
    return bool(_THINKING.search(normal) or _HESITATION_ONLY.match(normal))


_CLOSED_QUESTION = re.compile(
    r"^(?:are|is|am|was|were|do|does|did|have|has|had|can|could|would|will|shall|should"
    r"|may|might|any|anything)\b"
)


def asks_for_a_short_reply(question: str) -> bool:
    """Whether the interviewer's last sentence is a yes/no question ("Are you ready?",
    "Do you have any questions?"), as opposed to an open one ("Tell me about…")."""
    sentences = [p for p in re.split(r"(?<=[.!?])\s+", _normal(question)) if p]
    last = sentences[-1] if sentences else ""
    return last.endswith("?") and bool(_CLOSED_QUESTION.match(last))


def sounds_finished(text: str, question: str | None = None) -> bool:
    """True only when the words say the answer is over; a pause alone never does.

    A short "yes"/"sure" ends the turn only after a yes/no question (or when the question
    is unknown): after "Tell me about a project", "Sure." is how an answer begins."""
    normal = _normal(text)
    if not normal or is_thinking_aloud(normal) or _UNFINISHED.search(normal):
        return False
    if normal.endswith("?") or _CLOSER.search(normal):
        return True
    if question is not None and not asks_for_a_short_reply(question):
        return False
    return len(normal.split()) <= 5 and bool(_SHORT_REPLY.match(normal))


class AnswerEndDetector:
    """A turn detector for `AgentSession` (the framework's `_TurnDetector` protocol)."""

    model = "mockflow-answer-end"
    provider = "mockflow"

    async def unlikely_threshold(self, language: object = None) -> float:
        return 0.5

    async def supports_language(self, language: object = None) -> bool:
        return True

    async def predict_end_of_turn(self, chat_ctx: Any, *, timeout: float | None = None) -> float:
        answer, question = _last_exchange(chat_ctx)
        return 1.0 if sounds_finished(answer, question) else 0.0


def _last_exchange(chat_ctx: Any) -> tuple[str, str | None]:
    """The candidate's words so far and the interviewer's message before them (if any)."""
    answer: str | None = None
    for item in reversed(getattr(chat_ctx, "items", [])):
        if getattr(item, "type", None) != "message":
            continue
        if answer is None and item.role == "user":
            answer = item.text_content or ""
        elif answer is not None and item.role == "assistant":
            return answer, item.text_content or ""
    return answer or "", None


# -- silence ------------------------------------------------------------------------------


class SilenceWatch:
    """One check-in per silence; the candidate speaking is what allows the next one."""

    def __init__(self, profile: PatienceProfile, clock: Callable[[], float] = time.monotonic):
        self._profile = profile
        self._clock = clock
        self._agent_busy = True  # nothing is due before the interviewer has spoken
        self._user_speaking = False
        self._quiet_since: float | None = None
        self._checked_in = False
        self._thinking = False

    def agent_state(self, state: str) -> None:
        self._agent_busy = state in {"speaking", "thinking", "initializing"}
        self._update()

    def user_state(self, state: str) -> None:
        self._user_speaking = state == "speaking"
        if self._user_speaking:
            self._checked_in = self._thinking = False
        self._update()

    def candidate_thinking(self) -> None:
        """The candidate asked for time: wait longer before checking in."""
        self._thinking = True

    @property
    def thinking(self) -> bool:
        return self._thinking

    def due(self) -> bool:
        if self._checked_in or self._quiet_since is None:
            return False
        limit = (
            self._profile.think_check_in_after if self._thinking else self._profile.check_in_after
        )
        return self._clock() - self._quiet_since >= limit

    def checked_in(self) -> None:
        self._checked_in = True

    def _update(self) -> None:
        quiet = not self._agent_busy and not self._user_speaking
        if not quiet:
            self._quiet_since = None
        elif self._quiet_since is None:
            self._quiet_since = self._clock()
