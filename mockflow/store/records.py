"""The store's records and the rules of their fields: what a History entry and a saved
template hold, the session statuses and how a status change stamps times."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any

from mockflow.contracts.ids import is_valid_user_id
from mockflow.store.atomic_json import StoreError, dumps

ACTIVE_STATUSES = frozenset({"starting", "running"})
ENDED_STATUSES = frozenset({"completed", "user_ended", "timeout", "failed", "interrupted"})
STATUSES = ACTIVE_STATUSES | ENDED_STATUSES
MODES = frozenset({"voice", "text"})


class NotFoundError(StoreError):
    """No such record for this user (or it belongs to someone else: the same answer)."""


def check_user(user_id: str) -> None:
    if not is_valid_user_id(user_id):
        raise ValueError("invalid user id")


@dataclass(frozen=True)
class SessionRecord:
    """One interview in the history; transcripts are in `<session_dir>/events.jsonl`."""

    id: str
    user_id: str
    created_at: float
    role: str
    track: str
    level: str
    mode: str
    status: str
    session_dir: str
    started_at: float | None = None
    ended_at: float | None = None
    duration: float | None = None
    end_reason: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class TemplateRecord:
    """A saved interview setup (role, level, track, job description...) under a name."""

    id: str
    user_id: str
    name: str
    setup: dict[str, Any]
    updated_at: float


def from_doc(cls: type, doc: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: copy.deepcopy(v) for k, v in doc.items() if k in names})


def encode_json(value: object, what: str) -> bytes:
    if not isinstance(value, dict):
        raise StoreError(f"The {what} can't be saved: it is not a JSON object.")
    try:
        return dumps(value).encode("utf-8")
    except (TypeError, ValueError):
        raise StoreError(f"The {what} can't be saved: it is not plain JSON data.") from None


def to_doc(record: Any) -> dict[str, Any]:
    return {f.name: copy.deepcopy(getattr(record, f.name)) for f in fields(record)}


def status_changes(doc: dict[str, Any], status: str, now: float) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": status}
    if status == "running" and doc.get("started_at") is None:
        changes["started_at"] = now
    if status in ENDED_STATUSES and doc.get("ended_at") is None:
        changes["ended_at"] = now
        changes["duration"] = round(now - (doc.get("started_at") or doc["created_at"]), 3)
    return changes
