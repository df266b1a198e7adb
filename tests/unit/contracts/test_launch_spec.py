"""Launch spec validation: clear, value-free messages naming the problem."""

from __future__ import annotations

import json

import pytest

from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.errors import LaunchSpecError, UnknownTrackError

GOOD = {
    "session_id": "iv_abc",
    "session_dir": "/tmp/x",
    "transport": "text",
    "candidate": {"name": "Ana", "role": "Engineer", "level": "senior"},
    "track": "technical",
    "providers": {"llm": {"api_key": "sk-secret-value-123", "model": "gpt-4o-mini"}},
    "some_future_field": {"ignored": True},
}


def test_valid_spec_parses_and_ignores_unknown_fields():
    spec = parse_launch_spec(json.dumps(GOOD))
    assert spec.track == "technical" and spec.candidate.level == "senior"
    assert spec.turn_taking.patience == "patient"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "stdin was empty"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({**GOOD, "candidate": {"name": "Ana"}}), "candidate.role: missing"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "providers"}), "providers: missing"),
        (json.dumps({**GOOD, "stage_overrides": {"closing": -1}}), "must be positive"),
        (json.dumps({**GOOD, "transport": "room"}), "needs the 'livekit' section"),
    ],
)
def test_bad_specs_name_the_problem(line, message):
    with pytest.raises(LaunchSpecError, match=message):
        parse_launch_spec(line)


def test_unknown_track():
    with pytest.raises(UnknownTrackError, match="unknown track 'sales'"):
        parse_launch_spec(json.dumps({**GOOD, "track": "sales"}))


def test_errors_never_echo_values():
    bad = {**GOOD, "providers": {"llm": {"api_key": "sk-secret-value-123", "model": 5}}}
    with pytest.raises(LaunchSpecError) as info:
        parse_launch_spec(json.dumps(bad))
    assert "sk-secret" not in str(info.value)
