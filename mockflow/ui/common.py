"""Helpers every tab uses: who the user is, and turning our errors into page messages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from mockflow.errors import MockflowError
from mockflow.identity import is_valid_user_id, resolve_identity

log = logging.getLogger("mockflow.app")
F = TypeVar("F", bound=Callable[..., Any])


def identify(public: bool, browser_id: str | None, hf_username: str | None = None):
    """(user id, value to keep in the browser) for a page load."""
    identity = resolve_identity(public=public, browser_id=browser_id, hf_username=hf_username)
    return identity.user_id, (identity.user_id if public and not hf_username else browser_id)


def identify_on_space(browser_id: str | None, profile: gr.OAuthProfile | None = None):
    """On a Hugging Face Space: the signed-in account if any, else the anonymous id."""
    username = getattr(profile, "username", None) if profile is not None else None
    return identify(True, browser_id, username)


def require_user(user_id: object) -> str:
    if not is_valid_user_id(user_id):
        raise gr.Error("Your session is not ready yet. Reload the page and try again.")
    return str(user_id)


def user_errors(fn: F) -> F:
    """Show MockflowError messages on the page; log anything else without its details."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except MockflowError as exc:
            raise gr.Error(str(exc)) from None
        except Exception:
            log.exception("handler %s failed", _name(fn))
            raise gr.Error("Something went wrong on our side. Please try again.") from None

    return wrapper  # type: ignore[return-value]


def _name(fn: Callable[..., Any]) -> str:
    inner = getattr(fn, "func", fn)  # functools.partial keeps the function in .func
    return getattr(inner, "__name__", "handler")


def recovery_notice(recovered_from: Path | None, public: bool) -> str:
    """What to tell the local user when the database was found damaged and set aside
    (never shown to public visitors: it is about the server, not them)."""
    if recovered_from is None or public:
        return ""
    return (
        f"⚠️ MockFlow found its database damaged and moved it aside as "
        f"`{recovered_from.name}` in the data folder, then started a fresh one. Your saved "
        "keys and the list of past interviews were in it: enter your keys again in "
        "Settings. Every transcript is still in the data folder's `sessions/`."
    )
