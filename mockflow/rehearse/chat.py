"""The seam for the rehearsal's own model calls (the simulated candidate, the judge).

One Protocol and one real implementation over the openai SDK's synchronous client:
rehearsals run each interview on a worker thread. Tests use the local fake OpenAI
server through this same client, or any object with `complete`.
"""

from __future__ import annotations

from typing import Any, Protocol

import openai

from mockflow.errors import ProviderError
from mockflow.rehearse.endpoint import Endpoint


class ChatModel(Protocol):
    """Answers one chat request with the assistant's text."""

    def complete(self, messages: list[dict[str, Any]], *, json_mode: bool = False) -> str: ...


class OpenAIChat:
    """`ChatModel` over any OpenAI-compatible endpoint; errors name `provider`, never the key."""

    def __init__(
        self,
        endpoint: Endpoint,
        model: str,
        *,
        provider: str,
        timeout: float = 120.0,
        temperature: float | None = None,
    ) -> None:
        self.model = model
        self.provider = provider
        self._temperature = temperature
        self._client = openai.OpenAI(
            api_key=endpoint.api_key, base_url=endpoint.base_url, timeout=timeout, max_retries=1
        )

    def complete(self, messages: list[dict[str, Any]], *, json_mode: bool = False) -> str:
        extra: dict[str, Any] = {}
        if json_mode:
            extra["response_format"] = {"type": "json_object"}
        if self._temperature is not None:
            extra["temperature"] = self._temperature
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]  # plain role/content dicts
                **extra,
            )
        except openai.AuthenticationError:
            raise ProviderError(self.provider, "the API key was rejected (401)") from None
        except openai.RateLimitError:
            raise ProviderError(self.provider, "rate limited (429)", retryable=True) from None
        except openai.APITimeoutError:
            raise ProviderError(self.provider, "the request timed out", retryable=True) from None
        except openai.APIConnectionError:
            raise ProviderError(self.provider, "could not connect", retryable=True) from None
        except openai.APIStatusError as exc:
            raise ProviderError(self.provider, f"HTTP {exc.status_code}") from None
        except openai.APIError:
            raise ProviderError(self.provider, "the reply could not be read") from None
        if not response.choices:
            return ""
        return response.choices[0].message.content or ""

    def close(self) -> None:
        self._client.close()
