"""The fork server's wire format, shared by the app (client) and the fork server.

One JSON object per `SOCK_SEQPACKET` message; descriptors travel beside it (SCM_RIGHTS).
App → server: `{"type": "fork", "id": N}` with the child's stdin, stdout and stderr.
Server → app: `ready` (`pid`, `threads`), `forked` (`id`, `pid`, + a pidfd),
`fork_failed` (`id`, `error`), `exit` (`pid`, `code` in `subprocess` convention).
No message ever carries a launch spec, a key or an environment.
"""

from __future__ import annotations

import json
from typing import Any

MAX_MESSAGE = 4096
TYPES = frozenset({"fork", "ready", "forked", "fork_failed", "exit"})
_INT_FIELDS = {"fork": ("id",), "forked": ("id", "pid"), "exit": ("pid", "code"), "ready": ("pid",)}


def encode(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_MESSAGE:
        raise ValueError(f"fork server message of {len(data)} bytes (max {MAX_MESSAGE})")
    return data


def decode(data: bytes) -> dict[str, Any]:
    """A well-formed message, or ValueError naming what is wrong with it."""
    try:
        message = json.loads(data)
    except ValueError:
        raise ValueError("fork server message is not JSON") from None
    if not isinstance(message, dict) or message.get("type") not in TYPES:
        raise ValueError("fork server message has no known type")
    for name in _INT_FIELDS.get(message["type"], ()):
        value = message.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"fork server {message['type']} message needs an integer {name}")
    return message
