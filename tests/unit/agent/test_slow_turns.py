"""What a failed reply leads to: which failures mean the provider is down, and how long a
refused local server is waited for. No session, no network: errors are built as the
framework reports them."""

from __future__ import annotations

import pytest
from livekit.agents import APIConnectionError, APIStatusError, APITimeoutError

from mockflow.agent.slow_turns import (
    FailedTurns,
    Failure,
    Verdict,
    classify,
    is_local,
    root_error,
)


def _wrapped(cause: BaseException) -> APIConnectionError:
    """The framework's error after its retry, caused by the last attempt's."""
    try:
        raise APIConnectionError("failed to generate LLM completion after 2 attempts") from cause
    except APIConnectionError as error:
        return error


def _refused() -> APIConnectionError:
    error = APIConnectionError("Connection error.")
    error.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return error


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (APIStatusError("bad key", status_code=401), Failure.FATAL),
        (APIStatusError("forbidden", status_code=403), Failure.FATAL),
        (APIStatusError("no such model", status_code=404), Failure.FATAL),
        (
            APIStatusError("quota", status_code=429, body={"code": "insufficient_quota"}),
            Failure.FATAL,
        ),
        (
            APIStatusError("slow down", status_code=429, body={"code": "rate_limit_exceeded"}),
            Failure.TRANSIENT,
        ),
        (_wrapped(APIStatusError("busy", status_code=503)), Failure.TRANSIENT),
        (_wrapped(APITimeoutError()), Failure.TRANSIENT),
        (_wrapped(_refused()), Failure.REFUSED),
        (RuntimeError("a bug in a reply filter"), Failure.TRANSIENT),
    ],
)
def test_only_a_provider_that_is_really_down_is_fatal(error, kind):
    assert classify(error) is kind


def test_the_root_error_is_the_last_attempts_not_the_wrapper():
    assert isinstance(root_error(_wrapped(APITimeoutError())), APITimeoutError)


@pytest.mark.parametrize(
    ("base_url", "local"),
    [
        ("http://127.0.0.1:8011/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://[::1]:8000/v1", True),
        ("https://api.openai.com/v1", False),
        ("http://10.0.0.5:8000/v1", False),
        (None, False),
    ],
)
def test_a_local_server_is_one_on_loopback(base_url, local):
    assert is_local(base_url) is local


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_a_local_server_that_stays_refused_is_given_up_after_the_grace():
    time = FakeTime()
    turns = FailedTurns(refused_grace=20.0, retry_interval=2.0, sleep=time.sleep, clock=time.clock)
    tries = []

    async def retry():
        tries.append(time.now)
        return _wrapped(_refused())

    verdict, cause = await turns.recover(_wrapped(_refused()), retry)
    assert verdict is Verdict.GIVE_UP and isinstance(cause, APIConnectionError)
    assert len(tries) == 10 and tries[-1] == 20.0


async def test_a_remote_refusal_is_given_up_at_once():
    turns = FailedTurns.for_provider("https://api.openai.com/v1")

    async def retry():  # pragma: no cover - must not be called
        raise AssertionError("retried")

    verdict, _ = await turns.recover(_wrapped(_refused()), retry)
    assert verdict is Verdict.GIVE_UP


async def test_failed_turns_count_in_a_row_and_a_success_resets_them():
    turns = FailedTurns()

    async def retry():  # pragma: no cover - a timeout is not retried here
        raise AssertionError("retried")

    timeout = _wrapped(APITimeoutError())
    assert (await turns.recover(timeout, retry))[0] is Verdict.APOLOGISE
    assert (await turns.recover(timeout, retry))[0] is Verdict.APOLOGISE
    turns.succeeded()
    assert (await turns.recover(timeout, retry))[0] is Verdict.APOLOGISE
    assert (await turns.recover(timeout, retry))[0] is Verdict.APOLOGISE
    verdict, cause = await turns.recover(timeout, retry)
    assert verdict is Verdict.GIVE_UP and isinstance(cause, APITimeoutError)
