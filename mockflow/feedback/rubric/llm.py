"""The feedback LLM seam: one Protocol, one real implementation over the openai SDK.

The fake lives in the tests (an in-memory `RubricLLM`, and `tests/fakes/openai_server.py`
for the real SDK over HTTP). Retries are the rubric's business (one retry on invalid JSON),
so the SDK's own retries are off (`max_retries=0`).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx
import openai

from mockflow.feedback.rubric.failure import FeedbackModelError

DEFAULT_FEEDBACK_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 90.0


class RubricLLM(Protocol):
    """Answers one chat request with the assistant's text."""

    async def complete(self, messages: list[dict[str, Any]], *, json_mode: bool) -> str: ...


class OpenAIRubricLLM:
    """`RubricLLM` over any OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        model: str = DEFAULT_FEEDBACK_MODEL,
        timeout: float = DEFAULT_TIMEOUT,
        temperature: float | None = None,  # None: the model's default (some allow no other)
        http_client: httpx.AsyncClient | None = None,  # e.g. pinned to a vetted address
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.temperature = temperature
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=http_client,  # type: ignore[arg-type]  # httpx 0.29 object; openai duck-types it (test_pinning)
        )

    async def complete(self, messages: list[dict[str, Any]], *, json_mode: bool) -> str:
        extra: dict[str, Any] = {}
        if json_mode:
            extra["response_format"] = {"type": "json_object"}
        if self.temperature is not None:
            extra["temperature"] = self.temperature
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]  # plain role/content dicts
                **extra,
            )
        except openai.APIError as exc:
            raise model_error(exc, self.model, self.timeout) from None
        if not response.choices:
            return ""
        return response.choices[0].message.content or ""

    async def aclose(self) -> None:
        await self._client.close()


def model_error(exc: openai.APIError, model: str, timeout: float) -> FeedbackModelError:
    """The SDK's error as the candidate reads it, retryable only when it may pass."""
    settings = "Check the feedback model and server address in Settings."
    if isinstance(exc, openai.AuthenticationError):
        return FeedbackModelError(
            "says your API key was rejected (401)", advice="Check it in Settings."
        )
    if isinstance(exc, openai.RateLimitError):
        if getattr(exc, "code", None) == "insufficient_quota":
            advice = "Add credit with your provider, or use another key in Settings."
            return FeedbackModelError("says the account has no credit left (429)", advice=advice)
        return FeedbackModelError("is rate limiting your key (429)", retryable=True)
    if isinstance(exc, openai.APITimeoutError):
        return FeedbackModelError(f"did not answer within {timeout:g} s", retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        return FeedbackModelError("could not be reached", retryable=True)
    if isinstance(exc, openai.NotFoundError):
        return FeedbackModelError(f"server has no model named “{model}” (404)", advice=settings)
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500:
            return FeedbackModelError(
                f"had a server error (HTTP {exc.status_code})", retryable=True
            )
        return FeedbackModelError(f"refused the request (HTTP {exc.status_code})", advice=settings)
    return FeedbackModelError("sent a reply that could not be read", retryable=True)
