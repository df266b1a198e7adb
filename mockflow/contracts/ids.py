"""Session ids: the one rule for what may name a session (and so its folder).

The app issues `iv_` + 128 random bits; the agent and the worker accept any id that is safe
as a folder name, so tests and tools can name their own sessions.
"""

from __future__ import annotations

import re
import secrets

SESSION_ID_PATTERN = r"[A-Za-z0-9_\-]{1,80}"
_SAFE = re.compile(SESSION_ID_PATTERN)
_ISSUED = re.compile(r"iv_[A-Za-z0-9_\-]{8,64}")


def new_session_id() -> str:
    return "iv_" + secrets.token_urlsafe(16)


def is_session_id(value: object) -> bool:
    """Safe as a session folder's name (what a launch spec or job may carry)."""
    return isinstance(value, str) and _SAFE.fullmatch(value) is not None


def is_issued_session_id(value: object) -> bool:
    """Of the form the app issues: what a visitor may name when asking for a session."""
    return isinstance(value, str) and _ISSUED.fullmatch(value) is not None
