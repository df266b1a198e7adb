"""The feedback LLM seam: one Protocol, one real implementation over the openai SDK.

The fake lives in the tests (an in-memory `RubricLLM`, and `tests/fakes/openai_server.py`
for the real SDK over HTTP). Retries are the rubric's business (one retry on invalid JSON),
so the SDK's own retries are off (`max_retries=0`).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx
import openai

from mockflow.errors import ProviderError

DEFAULT_FEEDBACK_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 90.0
PROVIDER = "Feedback LLM"


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
        except openai.AuthenticationError:
            raise ProviderError(PROVIDER, "the API key was rejected (401)") from None
        except openai.RateLimitError:
            raise ProviderError(PROVIDER, "rate limited (429)", retryable=True) from None
        except openai.APITimeoutError:
            raise ProviderError(PROVIDER, "the request timed out", retryable=True) from None
        except openai.APIConnectionError:
            raise ProviderError(PROVIDER, "could not connect", retryable=True) from None
        except openai.APIStatusError as exc:
            retryable = exc.status_code >= 500
            raise ProviderError(PROVIDER, f"HTTP {exc.status_code}", retryable=retryable) from None
        except openai.APIError:
            raise ProviderError(PROVIDER, "the reply could not be read") from None
        if not response.choices:
            return ""
        return response.choices[0].message.content or ""

    async def aclose(self) -> None:
        await self._client.close()
