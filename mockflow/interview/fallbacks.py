"""What the interviewer says when a reply is left with nothing to say (a model that wrote
only a tool call, markup or praise): a question of the current stage from the track, a
goodbye once the interview is over; never silence, a line not said yet in the interview
first, never the same line twice in a row."""

from __future__ import annotations

from collections import defaultdict

from mockflow.interview.fsm import StagePlan, Track

# For a track that has no lines of its own.
DEFAULT_QUESTIONS = (
    "Could you tell me a bit more about that?",
    "What happened next?",
)
DEFAULT_GOODBYES = ("Thank you for your time today, {name}. Goodbye!",)


class Fallbacks:
    def __init__(self, track: Track, candidate_name: str) -> None:
        self._track = track
        words = candidate_name.split()
        self._name = words[0] if words else "there"
        self._turns: defaultdict[str, int] = defaultdict(int)
        self._last: str | None = None
        self._used: set[str] = set()

    def next(self, stage: StagePlan | None) -> str:
        """A line for `stage`, or a goodbye when there is no stage (the interview is over)."""
        if stage is None:
            key, lines = "goodbye", self._track.fallback_goodbyes or DEFAULT_GOODBYES
        else:
            key, lines = stage.name, stage.fallback_questions or DEFAULT_QUESTIONS
        candidates = [line.replace("{name}", self._name) for line in lines]
        unused = [line for line in candidates if line not in self._used]
        if unused:  # a line not said yet in this interview comes first
            self._turns[key] += 1
            self._last = unused[0]
            self._used.add(unused[0])
            return unused[0]
        for _ in range(len(candidates)):
            line = candidates[self._turns[key] % len(candidates)]
            self._turns[key] += 1
            if line != self._last:
                break
        else:  # one line only, just said: any other words beat saying it twice
            line = next(q for q in DEFAULT_QUESTIONS if q != self._last)
        self._last = line
        return line
