"""What a failed reply means for the interview: slowness is not failure.

The framework retries a reply that timed out or met a transient error once, before any
of it was sent (`providers.connect_options`). A reply that still failed is a failed turn:
the interviewer apologises in its place and the interview goes on. Only a provider that
is really down ends it: a rejected key, an unknown model or URL (401/403/404), an
exhausted quota, a connection that stays refused, or `MAX_FAILED_TURNS` failed turns in
a row. A local server (the app restarts a crashed one within ~10 s) that refuses
connections gets the same turn retried for up to `LOCAL_REFUSED_GRACE` seconds first.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

from livekit.agents import APIError, APIStatusError, APITimeoutError

MAX_FAILED_TURNS = 3
LOCAL_REFUSED_GRACE = 20.0  # seconds
REFUSED_RETRY_SECONDS = 2.0
FATAL_STATUSES = frozenset({401, 403, 404})
QUOTA_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached"})

APOLOGY = "Sorry, I lost my train of thought there. Could you tell me a bit more about that?"
OPENING_APOLOGY = "Hello, and sorry for the wait on my side. Are you ready to begin?"
CLOSING_APOLOGY = (
    "That brings us to the end. Thank you for your time; your feedback report will be "
    "ready in a moment."
)


class Failure(enum.Enum):
    FATAL = "fatal"  # the provider will not answer this interview
    REFUSED = "refused"  # nothing listens at the address (yet)
    TRANSIENT = "transient"  # this turn failed; the next may not


class Verdict(enum.Enum):
    ANSWERED = "answered"  # a retry of the same turn succeeded
    APOLOGISE = "apologise"  # skip the turn with an apology
    GIVE_UP = "give_up"  # end the interview


def root_error(error: BaseException) -> BaseException:
    """The error that says what happened: the first status or timeout error in the chain
    (the framework wraps its last attempt's error), else the innermost framework error."""
    found = error
    for link in _chain(error):
        if isinstance(link, APIStatusError | APITimeoutError):
            return link
        if isinstance(link, APIError):
            found = link
    return found


def classify(error: BaseException) -> Failure:
    root = root_error(error)
    if isinstance(root, APIStatusError):
        if root.status_code in FATAL_STATUSES:
            return Failure.FATAL
        if root.status_code == 429 and _quota_code(root) in QUOTA_CODES:
            return Failure.FATAL
        return Failure.TRANSIENT
    if any(isinstance(link, ConnectionRefusedError) for link in _chain(error)):
        return Failure.REFUSED
    return Failure.TRANSIENT


def is_local(base_url: str | None) -> bool:
    """A server on this machine (loopback), such as the app's own llama.cpp or Ollama."""
    host = urlparse(base_url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class FailedTurns:
    """Counts failed turns in a row and decides what a failed reply leads to."""

    def __init__(
        self,
        *,
        refused_grace: float = 0.0,
        max_failed_turns: int = MAX_FAILED_TURNS,
        retry_interval: float = REFUSED_RETRY_SECONDS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refused_grace = refused_grace
        self.max_failed_turns = max_failed_turns
        self.retry_interval = retry_interval
        self.in_a_row = 0
        self._sleep = sleep
        self._clock = clock

    @classmethod
    def for_provider(cls, base_url: str | None) -> FailedTurns:
        return cls(refused_grace=LOCAL_REFUSED_GRACE if is_local(base_url) else 0.0)

    def succeeded(self) -> None:
        self.in_a_row = 0

    async def recover(
        self, error: BaseException, retry: Callable[[], Awaitable[BaseException | None]]
    ) -> tuple[Verdict, BaseException]:
        """What to do after a reply failed with `error`; `retry` generates the same turn
        again and returns its error (None when it succeeded)."""
        kind = classify(error)
        deadline = self._clock() + self.refused_grace
        while kind is Failure.REFUSED and self._clock() < deadline:
            await self._sleep(self.retry_interval)
            retried = await retry()
            if retried is None:
                self.succeeded()
                return Verdict.ANSWERED, error
            error, kind = retried, classify(retried)
        if kind is not Failure.TRANSIENT:
            return Verdict.GIVE_UP, root_error(error)
        self.in_a_row += 1
        if self.in_a_row >= self.max_failed_turns:
            return Verdict.GIVE_UP, root_error(error)
        return Verdict.APOLOGISE, root_error(error)


def _chain(error: BaseException) -> list[BaseException]:
    links: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and link not in links:
        links.append(link)
        link = link.__cause__ or link.__context__
    return links


def _quota_code(error: APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    detail = body.get("error", body)
    if not isinstance(detail, dict):
        return ""
    return str(detail.get("code") or detail.get("type") or "")
