"""A running interview session: its limits and how its process exit is described."""

from __future__ import annotations

import pytest

from mockflow.launch.session import describe_exit, limit_reason


def limits(now: float, last_event_at: float = 0.0, **overrides: float) -> str | None:
    values = {"max_session_seconds": 100.0, "idle_timeout_seconds": 30.0, **overrides}
    return limit_reason(now=now, started_at=0.0, last_event_at=last_event_at, **values)


def test_within_limits() -> None:
    assert limits(now=50.0, last_event_at=40.0) is None


def test_max_duration_wins_over_activity() -> None:
    assert limits(now=100.0, last_event_at=99.0) == "max_duration"


def test_idle_after_no_event_for_the_idle_timeout() -> None:
    assert limits(now=45.0, last_event_at=15.0) == "idle"


def test_non_positive_limits_are_off() -> None:
    assert limits(now=1e6, max_session_seconds=0, idle_timeout_seconds=-1) is None


@pytest.mark.parametrize(
    ("code", "words"),
    [(0, "exit code 0"), (1, "exit code 1"), (-9, "killed by SIGKILL"), (-15, "killed by SIGTERM")],
)
def test_describe_exit(code: int, words: str) -> None:
    assert describe_exit(code) == words
