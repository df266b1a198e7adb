"""What a candidate reads when the interviewer stops during start-up."""

from __future__ import annotations

from typing import Any, cast

from mockflow.launch.local.process import AgentProcess
from mockflow.launch.local.startup import exit_message


class _Stopped:
    def __init__(self, last_line: str) -> None:
        self.last_line = last_line

    def last_stderr_line(self) -> str:
        return self.last_line


def _message(code: int, last_line: str) -> str:
    return exit_message(cast(AgentProcess, cast(Any, _Stopped(last_line))), code, None, [])


def test_a_crash_names_no_internal_exception():
    message = _message(1, "ValueError: Separator is found, but chunk is longer than limit")
    assert message == "The interviewer process exited during start-up (exit code 1)."
    assert "Error" not in _message(1, "openai.APIConnectionError: Connection refused")
    assert "Traceback" not in _message(1, "Traceback (most recent call last):")


def test_a_refusal_of_its_settings_still_says_why():
    message = _message(2, "mockflow-agent: launch spec: the track is unknown")
    assert message == (
        "The interviewer rejected its launch settings: mockflow-agent: launch spec: "
        "the track is unknown"
    )
    assert _message(1, "cannot write the session directory").endswith(
        ": cannot write the session directory"
    )
