"""The feedback model's errors as the candidate reads them, and which a retry can help."""

from __future__ import annotations

import httpx
import openai
import pytest

from mockflow.feedback.rubric.failure import provider_failure
from mockflow.feedback.rubric.llm import model_error

REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def _status(cls: type[openai.APIStatusError], code: int, body: object = None) -> Exception:
    return cls("refused", response=httpx.Response(code, request=REQUEST), body=body)


@pytest.mark.parametrize(
    ("error", "text", "retry"),
    [
        (
            openai.APITimeoutError(REQUEST),
            "The feedback model did not answer within 300 s.",
            True,
        ),
        (
            _status(openai.RateLimitError, 429),
            "The feedback model is rate limiting your key (429).",
            True,
        ),
        (
            _status(openai.InternalServerError, 503),
            "The feedback model had a server error (HTTP 503).",
            True,
        ),
        (
            openai.APIConnectionError(request=REQUEST),
            "The feedback model could not be reached.",
            True,
        ),
        (
            _status(openai.AuthenticationError, 401),
            "The feedback model says your API key was rejected (401). Check it in Settings.",
            False,
        ),
        (
            _status(openai.RateLimitError, 429, {"code": "insufficient_quota"}),
            "The feedback model says the account has no credit left (429). Add credit with "
            "your provider, or use another key in Settings.",
            False,
        ),
        (
            _status(openai.NotFoundError, 404),
            "The feedback model server has no model named “tiny-model” (404). Check the "
            "feedback model and server address in Settings.",
            False,
        ),
    ],
)
def test_each_error_reads_as_one_line_with_a_retry_only_where_it_can_help(
    error: openai.APIError, text: str, retry: bool
) -> None:
    failure = provider_failure(model_error(error, "tiny-model", 300.0))
    assert (failure.text, failure.retry) == (text, retry)
