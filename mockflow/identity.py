"""User identity: who owns a set of keys, sessions and feedback.

Three kinds of user id, told apart by their shape so that one kind can never pose as
another:

- `local` — the one user of a local, single-user install (`Settings.public` is False);
- `b_<32 url-safe chars>` — an anonymous visitor of a public link; 192 random bits minted
  by the server and kept in the visitor's browser;
- `hf_<username>` — a Hugging Face user signed in through OAuth on a Space.

A value coming back from a browser is only ever accepted as a browser id: a visitor who
edits their browser storage to `local` or `hf_someone` gets a fresh anonymous id instead.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

LOCAL_USER_ID = "local"
BROWSER_PREFIX = "b_"
HF_PREFIX = "hf_"
BROWSER_ID_BYTES = 24  # 192 bits; token_urlsafe(24) is exactly 32 characters

_BROWSER_ID = re.compile(r"b_[A-Za-z0-9_-]{32}")
_HF_USERNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?")


@dataclass(frozen=True)
class Identity:
    """The user a request acts for; `is_new` means the browser must store `user_id`."""

    user_id: str
    is_new: bool = False


def new_browser_id() -> str:
    """A fresh anonymous user id for a public-link visitor (192 random bits)."""
    return BROWSER_PREFIX + secrets.token_urlsafe(BROWSER_ID_BYTES)


def is_browser_id(value: object) -> bool:
    return isinstance(value, str) and _BROWSER_ID.fullmatch(value) is not None


def hf_user_id(username: str) -> str:
    """The user id of a Hugging Face account; raises ValueError on a malformed name."""
    if not isinstance(username, str) or _HF_USERNAME.fullmatch(username) is None:
        raise ValueError("not a valid Hugging Face username")
    return HF_PREFIX + username


def is_valid_user_id(value: object) -> bool:
    """True for any well-formed user id of the three kinds; the store refuses the rest."""
    if not isinstance(value, str):
        return False
    if value == LOCAL_USER_ID or is_browser_id(value):
        return True
    return value.startswith(HF_PREFIX) and _HF_USERNAME.fullmatch(value[3:]) is not None


def resolve_identity(
    *, public: bool, browser_id: str | None = None, hf_username: str | None = None
) -> Identity:
    """Decide whose data a request may touch.

    Local mode is always the single local user. In public mode a signed-in Hugging Face
    user wins; otherwise the id the browser kept is used if it is a well-formed browser
    id, and a new one is minted if not.
    """
    if not public:
        return Identity(LOCAL_USER_ID)
    if hf_username:
        return Identity(hf_user_id(hf_username))
    if is_browser_id(browser_id):
        return Identity(str(browser_id))
    return Identity(new_browser_id(), is_new=True)
