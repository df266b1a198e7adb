"""Helpers every tab uses: who the user is, and turning our errors into page messages."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import gradio as gr

from mockflow.app.coaching import sync_space_coach
from mockflow.app.fair_use import FairUseError, client_ip
from mockflow.app.identity import AnonymousCredentials, resolve_identity
from mockflow.contracts.ids import is_valid_user_id
from mockflow.errors import MockflowError

if TYPE_CHECKING:
    from mockflow.ui.services import AppServices

log = logging.getLogger("mockflow.app")
# listeners that wait on a provider (a model, a key check) share this bounded pool, so a
# slow provider holds these slots and nothing else
PROVIDER_CALLS: dict[str, Any] = {"concurrency_id": "providers", "concurrency_limit": 4}
F = TypeVar("F", bound=Callable[..., Any])


def identify(
    public: bool,
    credentials: AnonymousCredentials,
    kept: str | None,
    hf_username: str | None = None,
) -> tuple[str, str | None]:
    """(user id, credential the browser keeps) for a page load; the browser hands back
    only what it was given, and only a credential this server signed names a user."""
    identity = resolve_identity(
        public=public, credentials=credentials, credential=kept, hf_username=hf_username
    )
    if not public or hf_username:
        return identity.user_id, kept
    return identity.user_id, credentials.issue(identity.user_id)


def identify_on_space(
    credentials: AnonymousCredentials, kept: str | None, profile: gr.OAuthProfile | None = None
) -> tuple[str, str | None]:
    """On a Hugging Face Space: the signed-in account if any, else the anonymous user."""
    username = getattr(profile, "username", None) if profile is not None else None
    return identify(True, credentials, kept, username)


def load_identity(
    services: AppServices,
    kept: str | None,
    request: gr.Request,
    profile: gr.OAuthProfile | None = None,
) -> tuple[str, str | None]:
    """The page-load handler: who this is (minting an anonymous user within the per-address
    limit), and this tab noted as open for them."""
    settings = services.settings
    username = getattr(profile, "username", None) if profile is not None else None
    public = settings.public
    if public and not username and services.credentials.user_of(kept) is None:
        ip = client_ip(request, behind_proxy=settings.on_space)
        try:
            services.interviews.fair.admit_new_user(ip)  # type: ignore[union-attr]
        except FairUseError as exc:
            raise gr.Error(str(exc)) from None
    user_id, keep = identify(public, services.credentials, kept, username)
    sync_space_coach(settings, services.store, user_id, username)
    session_hash = getattr(request, "session_hash", None)
    if session_hash:
        services.tabs.opened(session_hash, user_id)
    return user_id, keep


def load_identity_on_space(
    services: AppServices,
    kept: str | None,
    profile: gr.OAuthProfile | None,
    request: gr.Request,
) -> tuple[str, str | None]:
    return load_identity(services, kept, request, profile)


def tab_closed(services: AppServices, request: gr.Request) -> None:
    """`demo.unload`: the tab is gone; its user's interview ends after the grace unless
    another tab of theirs is open or comes back."""
    session_hash = getattr(request, "session_hash", None)
    if session_hash:
        services.tabs.closed(session_hash)


def request_ip(services: AppServices, request: gr.Request | None) -> str | None:
    return client_ip(request, behind_proxy=services.settings.on_space)


def require_user(user_id: object) -> str:
    if not is_valid_user_id(user_id):
        raise gr.Error("Your session is not ready yet. Reload the page and try again.")
    return str(user_id)


def with_services(fn: Callable[..., Any], services: AppServices) -> Callable[..., Any]:
    """`fn` with its first argument bound, as a function Gradio can inspect: unlike a
    `functools.partial`, it keeps the type hints by which Gradio passes `gr.Request`."""

    @functools.wraps(fn)
    def bound(*args: Any, **kwargs: Any) -> Any:
        return fn(services, *args, **kwargs)

    signature = inspect.signature(fn)
    first, *rest = signature.parameters.values()
    bound.__signature__ = signature.replace(parameters=rest)  # type: ignore[attr-defined]
    # Gradio evaluates the hints; the services' one may name a type-checking-only import
    bound.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != first.name}
    return bound


def user_errors(fn: F) -> F:
    """Show MockflowError messages on the page (one log line, no traceback); log anything
    else without its details."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error as exc:
            raise _refused(fn, exc, exc) from None
        except MockflowError as exc:
            raise _refused(fn, gr.Error(str(exc)), exc) from None
        except Exception:
            log.exception("handler %s failed", _name(fn))
            raise gr.Error("Something went wrong on our side. Please try again.") from None

    return wrapper  # type: ignore[return-value]


def _refused(fn: Callable[..., Any], error: gr.Error, cause: Exception) -> gr.Error:
    """A refusal is the caller's mistake, not ours: one log line (no message: it may quote
    what they sent), and Gradio told not to print a traceback."""
    log.info("%s refused a call (%s)", _name(fn), type(cause).__name__)
    error.print_exception = False
    return error


def _name(fn: Callable[..., Any]) -> str:
    inner = getattr(fn, "func", fn)  # functools.partial keeps the function in .func
    return getattr(inner, "__name__", "handler")


def recovery_banner(services: AppServices, user_id: str | None) -> Any:
    """Page load: tell this user once that their history came back from a copy (or was
    rebuilt without their keys) after the server's database was damaged."""
    notice = services.store.recovery_notice(user_id) if is_valid_user_id(user_id) else None
    if not notice:
        return gr.update(value="", visible=False)
    return gr.update(value=f"⚠️ {notice}", visible=True)
