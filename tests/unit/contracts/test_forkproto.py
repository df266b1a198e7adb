"""The fork server's wire format and the app's view of a forked child (no process made)."""

from __future__ import annotations

import os
import subprocess

import pytest

from mockflow.contracts.forkproto import MAX_MESSAGE, decode, encode
from mockflow.launch.local.forked import EXIT_UNKNOWN, ForkedChild


def test_messages_round_trip() -> None:
    message = {"type": "exit", "pid": 42, "code": -9}
    assert decode(encode(message)) == message


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "no known type"),
        (b'{"type": "spawn"}', "no known type"),
        (b'{"type": "fork"}', "integer id"),
        (b'{"type": "exit", "pid": 3, "code": "1"}', "integer code"),
        (b'{"type": "forked", "id": 1, "pid": true}', "integer pid"),
    ],
)
def test_malformed_messages_are_rejected_by_name(data: bytes, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        decode(data)


def test_a_message_too_large_for_one_packet_is_refused() -> None:
    with pytest.raises(ValueError, match="max 4096"):
        encode({"type": "fork_failed", "id": 1, "error": "x" * MAX_MESSAGE})


def child_of_self() -> ForkedChild:
    """A ForkedChild whose pidfd names this (live) test process."""
    return ForkedChild(os.getpid(), os.pidfd_open(os.getpid()), None, None, None)  # type: ignore[arg-type]


def test_exit_code_comes_from_the_fork_server_report() -> None:
    child = child_of_self()
    assert child.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(0.05)
    child.set_exit(-15)
    assert child.poll() == -15 and child.wait(0) == -15
    child.set_exit(0)  # a second report changes nothing
    assert child.returncode == -15


def test_without_a_reporter_a_live_child_is_still_running() -> None:
    child = child_of_self()
    child.reporter_gone()
    assert child.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(0.05)


def test_exit_unknown_is_described_as_such() -> None:
    from mockflow.launch.session import describe_exit

    assert describe_exit(EXIT_UNKNOWN) == "exit status unknown: its fork server had stopped"
