"""Story answers: did the question ask for one (a STAR answer: situation, task, action,
result), and does the answer say how it turned out?

Both are word rules, so they are stated as what was found, never as a judgement of the
story: an answer "states a result" when it holds a number, a result phrase ("as a
result", "in the end") or an outcome verb ("reduced", "shipped", "saved"). An answer
with none of them is reported as "no result stated"; one that describes its result in
other words is missed (the rule errs towards saying nothing).
"""

from __future__ import annotations

import re

# Questions that ask for one past episode; their answers are expected to be stories.
_STORY_QUESTION = re.compile(
    r"\b(tell me about a time|tell me about (a|one) (project|situation|challenge|conflict"
    r"|mistake|failure|decision|disagreement)|describe (a|one) (time|situation|project"
    r"|challenge|conflict)|give (me )?an example|walk me through (a|one|how you)"
    r"|a time when|a time you|an example of)",
    re.IGNORECASE,
)
# The stage whose questions are about past work, stories by design.
STORY_STAGES = ("past_experience",)
_NUMBER = re.compile(r"\d|\b(half|twice|double[d]?|tripled?|zero|none)\b", re.IGNORECASE)
_RESULT = re.compile(
    r"\b(as a result|the result|result(ed|s)? in|outcome|in the end|ended up|which meant"
    r"|that meant|led to|so that|because of (that|this)|after that,? (we|it|the)"
    r"|(reduc|increas|improv|sav|cut|drop|grew|grow|halv|doubl|shipp|launch|deliver"
    r"|releas|fix|solv|resolv|finish|complet|won|achiev|hit|met|exceed|pass|promot)\w*)\b",
    re.IGNORECASE,
)


def asks_for_story(question: str, stage: str) -> bool:
    """The question (or its stage) asks for one episode from the candidate's past."""
    return stage in STORY_STAGES or bool(_STORY_QUESTION.search(question))


def states_result(answer: str) -> bool:
    """The answer holds a number, a result phrase or an outcome verb."""
    return bool(_NUMBER.search(answer) or _RESULT.search(answer))
