"""Errors the supervisor raises; messages are written for the candidate and carry no secret."""

from __future__ import annotations

from mockflow.errors import MockflowError

SHUTTING_DOWN = "MockFlow is shutting down; please try again shortly."


class SessionStartError(MockflowError):
    """The interviewer process did not reach the `ready` handshake."""


class ForkServerUnavailable(MockflowError):
    """No fork server can fork right now (starting, restarting, dead); start cold instead."""


class SlotsBusyError(MockflowError):
    """Every interview slot is taken; the candidate should retry shortly."""

    def __init__(self) -> None:
        super().__init__("All interview slots are busy — please try again in a minute.")


class SessionNotFoundError(MockflowError):
    """No running interview has this id (it never existed or has already ended)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"Interview {session_id} is not running.")
        self.session_id = session_id


class DispatcherClosedError(MockflowError):
    """The app is shutting down: it no longer sends anything to the workers."""

    def __init__(self) -> None:
        super().__init__(SHUTTING_DOWN)
