"""Why a rubric run failed, said in one line, and whether pressing Generate again can help.

A retry can help with what passes: a timeout, a rate limit, a server error, a connection
dropped, one malformed reply. It cannot help with a rejected key, a model the server does
not have, an account with no credit, or a model that keeps failing the rubric's form: for
those the line says what to change instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockflow.errors import ProviderError

# Replies in a row (over Generate presses) that were not a usable rubric before the model
# is taken to be unable to write one: two presses of two attempts each.
MAX_MALFORMED_TRIES = 4
PROBLEM_CHARS = 120  # a schema problem quoted in the line, at most
SMALL_MODEL_ADVICE = (
    "It failed {tries} times in a row, so trying again is unlikely to help: choose a "
    "larger feedback model in Settings."
)


class FeedbackModelError(ProviderError):
    """The feedback model's server refused or failed a request; `reason` follows "The
    feedback model …", `advice` says what to change when trying again cannot help."""

    def __init__(self, reason: str, *, retryable: bool = False, advice: str = "") -> None:
        super().__init__("Feedback LLM", reason, retryable=retryable)
        self.advice = advice


@dataclass(frozen=True)
class RubricFailure:
    line: str  # what the model (or its server) got wrong, one sentence
    retry: bool  # pressing Generate again may help
    advice: str = ""  # what to change instead, when it will not
    malformed_tries: int = 0  # replies in a row that were not a usable rubric

    @property
    def text(self) -> str:
        return f"{self.line} {self.advice}".strip()


def provider_failure(exc: ProviderError) -> RubricFailure:
    """The request failed: why, and what to change when retrying cannot help."""
    if not isinstance(exc, FeedbackModelError):
        return RubricFailure(f"The rubric could not be produced: {exc}.", retry=exc.retryable)
    line = f"The feedback model {exc.reason}."
    return RubricFailure(line, retry=exc.retryable, advice="" if exc.retryable else exc.advice)


def malformed_failure(reply: str, problem: str, tries: int) -> RubricFailure:
    """The last reply was not a rubric; `tries` counts such replies in a row."""
    if not reply.strip():
        line = "The model returned an empty reply instead of a rubric."
    elif problem.startswith("not valid JSON"):
        line = "The model's rubric was not valid JSON."
    else:
        detail = problem.removeprefix("the JSON does not match the schema ").strip("()")
        if len(detail) > PROBLEM_CHARS:
            detail = detail[: PROBLEM_CHARS - 1].rstrip() + "…"
        line = f"The model's rubric did not follow the required form ({detail})."
    return _maybe_again(line, tries)


def unverified_failure(dropped: int, quotes: int, tries: int) -> RubricFailure:
    """Every quote the model gave was missing from the answers: nothing it said holds."""
    line = f"The model's rubric quoted words you never said ({dropped} of {quotes} quotes)."
    return _maybe_again(line, tries)


def _maybe_again(line: str, tries: int) -> RubricFailure:
    if tries >= MAX_MALFORMED_TRIES:
        return RubricFailure(line, False, SMALL_MODEL_ADVICE.format(tries=tries), tries)
    return RubricFailure(line, True, malformed_tries=tries)
