"""The files the store keeps beside its database: each session's feedback report
(`<session_dir>/feedback.json`, written atomically) and the removal of a session's or a
user's folder.

A folder is only ever removed by a validated id joined to the store's own folder: a stored
path is never trusted for a recursive delete.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from mockflow.contracts.ids import is_issued_session_id
from mockflow.private_files import atomic_write, make_private_dir
from mockflow.store.atomic_json import StoreError

log = logging.getLogger(__name__)

FEEDBACK_FILE = "feedback.json"
MAX_FEEDBACK_BYTES = 512_000


def feedback_path(sessions_dir: Path, session_id: str) -> Path:
    return sessions_dir / session_id / FEEDBACK_FILE


def write_feedback(sessions_dir: Path, session_id: str, payload: bytes) -> None:
    if len(payload) > MAX_FEEDBACK_BYTES:
        raise StoreError("The feedback report is too large to save.")
    path = feedback_path(sessions_dir, session_id)
    try:
        make_private_dir(path.parent)
        atomic_write(path, payload)
    except OSError as exc:
        raise StoreError(f"Couldn't save the feedback report: {exc.strerror}.") from None


def read_feedback(sessions_dir: Path, session_id: str) -> dict[str, Any] | None:
    """The stored report; None (logged) if its file is missing."""
    try:
        report = json.loads(feedback_path(sessions_dir, session_id).read_bytes())
    except FileNotFoundError:
        log.warning("feedback file of session %s is missing", session_id)
        return None
    except (OSError, ValueError):
        raise StoreError("The feedback report of this interview can't be read.") from None
    if not isinstance(report, dict):
        raise StoreError("The feedback report of this interview can't be read.")
    return report


def remove_session_dir(sessions_dir: Path, session_id: str) -> None:
    if not is_issued_session_id(session_id):
        return
    try:
        shutil.rmtree(sessions_dir / session_id)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("couldn't remove the folder of session %s: %s", session_id, exc.strerror)


def remove_user_dir(users_dir: Path, user_id: str) -> None:
    """`user_id` was validated by the caller: a direct child of `users_dir`."""
    try:
        shutil.rmtree(users_dir / user_id)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("couldn't remove a user folder: %s", exc.strerror)
