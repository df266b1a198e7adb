"""Ids: the one rule for what may name a session (and so its folder), and the shapes of
the three kinds of user id (see `mockflow.app.identity` for how they are issued).

The app issues `iv_` + 128 random bits; the agent and the worker accept any id that is safe
as a folder name, so tests and tools can name their own sessions.
"""

from __future__ import annotations

import re
import secrets
from typing import TypeGuard

SESSION_ID_PATTERN = r"[A-Za-z0-9_\-]{1,80}"
_SAFE = re.compile(SESSION_ID_PATTERN)
_ISSUED = re.compile(r"iv_[A-Za-z0-9_\-]{8,64}")

LOCAL_USER_ID = "local"
BROWSER_PREFIX = "b_"
HF_PREFIX = "hf_"
BROWSER_ID_BYTES = 24  # 192 bits; token_urlsafe(24) is exactly 32 characters

_BROWSER_ID = re.compile(r"b_[A-Za-z0-9_-]{32}")
_HF_USERNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?")


def new_session_id() -> str:
    return "iv_" + secrets.token_urlsafe(16)


def is_session_id(value: object) -> bool:
    """Safe as a session folder's name (what a launch spec or job may carry)."""
    return isinstance(value, str) and _SAFE.fullmatch(value) is not None


def is_issued_session_id(value: object) -> bool:
    """Of the form the app issues: what a visitor may name when asking for a session."""
    return isinstance(value, str) and _ISSUED.fullmatch(value) is not None


def new_browser_id() -> str:
    """A fresh anonymous user id for a public-link visitor (192 random bits)."""
    return BROWSER_PREFIX + secrets.token_urlsafe(BROWSER_ID_BYTES)


def is_browser_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _BROWSER_ID.fullmatch(value) is not None


def hf_user_id(username: str) -> str:
    """The user id of a Hugging Face account; raises ValueError on a malformed name."""
    if not isinstance(username, str) or _HF_USERNAME.fullmatch(username) is None:
        raise ValueError("not a valid Hugging Face username")
    return HF_PREFIX + username


def is_valid_user_id(value: object) -> TypeGuard[str]:
    """True for any well-formed user id of the three kinds; the store refuses the rest."""
    if not isinstance(value, str):
        return False
    if value == LOCAL_USER_ID or is_browser_id(value):
        return True
    return value.startswith(HF_PREFIX) and _HF_USERNAME.fullmatch(value[3:]) is not None
