"""The agent's log file: secrets masked, ids kept, expected framework noise dropped."""

from __future__ import annotations

import logging

from mockflow.agent.logs import DropExpectedNoise, RedactSecrets


def _record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)


def test_keys_from_the_spec_and_key_shaped_strings_are_masked():
    redact = RedactSecrets(["dg-secret-123456"])
    record = _record("mockflow.agent", "keys %s and %s", "dg-secret-123456", "sk-abcdefghijkl")
    redact.filter(record)
    assert record.getMessage() == "keys [redacted] and [redacted]"


def test_redrafting_at_a_stage_change_is_not_logged_as_a_warning():
    noise = DropExpectedNoise()
    expected = _record("livekit.agents", "preemptive generation invalidated after `x`")
    assert noise.filter(expected) is False
    assert noise.filter(_record("livekit.agents", "failed to synthesize speech")) is True
    assert noise.filter(_record("mockflow.agent", "preemptive generation invalidated")) is True
