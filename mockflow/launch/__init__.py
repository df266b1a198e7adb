"""Agent processes for the app: spawn, warm pool, readiness, limits, stop, orphan reaping.

`Supervisor` is the entry point; the modules behind it are the process wrapper
(`process`), the warm pool (`pool`), the child environment (`environment`), what is
written into a session directory (`records`), and orphan reaping (`reaper`).
"""

from mockflow.launch.errors import SessionNotFoundError, SessionStartError, SlotsBusyError
from mockflow.launch.local.supervisor import Supervisor
from mockflow.launch.session import SessionHandle, SessionStatus

__all__ = [
    "SessionHandle",
    "SessionNotFoundError",
    "SessionStartError",
    "SessionStatus",
    "SlotsBusyError",
    "Supervisor",
]
