"""The start-up handshake: a checked launch spec, then waiting for `ready` in the timeline.

Readiness is read from `events.jsonl` (polled every 20 ms), never guessed from time. A
failure becomes a `SessionStartError` whose message a candidate can read: the agent's
own `error` event if it wrote one, else its last stderr line with the spec's secrets
masked.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mockflow.contracts.events import Timeline
from mockflow.contracts.ids import is_session_id
from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.launch.errors import SHUTTING_DOWN, SessionStartError
from mockflow.launch.local.process import AgentProcess
from mockflow.launch.local.redact import safe_line, spec_secrets
from mockflow.launch.session import Session, describe_exit

log = logging.getLogger(__name__)

_POLL = 0.02
_PYTHON_ERROR = re.compile(r"(?:[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)|Traceback)\b")


def prepare_spec(spec: Mapping[str, Any], sessions_dir: Path) -> dict[str, Any]:
    """The spec with an absolute `session_dir` under `sessions_dir`, validated (contract 1)."""
    session_id = spec.get("session_id")
    if not isinstance(session_id, str) or not is_session_id(session_id):
        raise ValueError("launch spec: session_id must be 1-80 letters, digits, _ or -")
    expected = (sessions_dir / session_id).resolve()
    given = spec.get("session_dir")
    if given and Path(given).resolve() != expected:
        raise ValueError("launch spec: session_dir must be <sessions_dir>/<session_id>")
    prepared = {**spec, "session_dir": str(expected)}
    parse_launch_spec(json.dumps(prepared))
    return prepared


def await_ready(
    session: Session,
    spec: Mapping[str, Any],
    *,
    timeout: float,
    clock: Callable[[], float],
    closing: Callable[[], bool],
) -> None:
    """Return when the agent writes `ready`; raise `SessionStartError` on anything else."""
    proc = session.proc
    assert proc is not None
    deadline = session.started_at + timeout
    agent_error: str | None = None
    while True:
        events = session.read_events(clock())
        agent_error = _last_error(events) or agent_error
        if any(e.get("type") == "ready" for e in events):
            return
        code = proc.poll()
        if session.ended_seen is not None or code is not None:
            raise SessionStartError(exit_message(proc, code, agent_error, spec_secrets(spec)))
        if closing():
            raise SessionStartError(SHUTTING_DOWN)
        if clock() >= deadline:
            raise SessionStartError(f"The interviewer did not start within {timeout:g} s.")
        time.sleep(_POLL)


def exit_message(
    proc: AgentProcess, code: int | None, agent_error: str | None, secrets: list[str]
) -> str:
    """Why the start failed, in one safe line."""
    if agent_error:
        return safe_line(agent_error, secrets)
    if code is None:
        return "The interviewer stopped before the interview began."
    detail = safe_line(proc.last_stderr_line(), secrets)
    if code == 2:
        lead = "The interviewer rejected its launch settings"
    else:
        lead = f"The interviewer process exited during start-up ({describe_exit(code)})"
        if crash := _PYTHON_ERROR.match(detail):  # internal: its type for the log only
            log.warning("the interviewer crashed during start-up (%s)", crash.group())
            detail = ""
    return f"{lead}: {detail}" if detail else f"{lead}."


def _last_error(events: list[dict[str, Any]]) -> str | None:
    return Timeline.of(events).last_error
