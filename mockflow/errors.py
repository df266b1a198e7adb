"""The one exception hierarchy of MockFlow.

Every error a user may see derives from `MockflowError`; its message is written for the
candidate and never carries a key, a transcript or a file's content.
"""

from __future__ import annotations


class MockflowError(Exception):
    """Base of every error MockFlow raises on purpose; the message is safe to show."""


class ConfigError(MockflowError):
    """A setting or environment value is missing or malformed."""


class LaunchSpecError(MockflowError):
    """The launch spec on the agent's stdin is malformed or incomplete."""


class UnknownTrackError(LaunchSpecError):
    """The requested interview track does not exist."""


class ProviderError(MockflowError):
    """An external provider (LLM, STT, TTS, LiveKit) failed; says which and why."""

    def __init__(self, provider: str, reason: str, *, retryable: bool = False) -> None:
        super().__init__(f"{provider}: {reason}")
        self.provider = provider
        self.reason = reason
        self.retryable = retryable


class TransportError(MockflowError):
    """The interview transport (text or room) could not be set up or was lost."""
