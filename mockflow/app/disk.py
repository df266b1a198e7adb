"""The free-disk floor: below it the app starts no interview and takes no answer.

The data folder holds the database, every session's timeline and the upload cache (by
default), all on one disk. An answer the disk cannot take is lost, so the app stops
before it is full: when the free space of the data folder's disk is under
`Settings.min_free_mb` (MOCKFLOW_MIN_FREE_MB, 0 turns the floor off), a new interview is
refused with the reason, an answer is refused as not saved, and `/api/health` says so.
It is measured on each check (one `statvfs`, microseconds), so freeing space takes effect
at once.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from mockflow.config import Settings
from mockflow.contracts.events import NOT_SAVED_NO_SPACE
from mockflow.errors import MockflowError

log = logging.getLogger(__name__)

MB = 1024 * 1024
STARTS_PAUSED = (
    "New interviews are paused: the server is almost out of disk space. Please try again later."
)


class DiskSpaceError(MockflowError):
    """The data folder's disk has less free space than the floor."""


@dataclass(frozen=True)
class DiskState:
    free_bytes: int | None  # None: the folder's disk could not be measured
    floor_bytes: int

    @property
    def low(self) -> bool:
        return self.free_bytes is not None and self.free_bytes < self.floor_bytes

    def health(self) -> dict[str, object]:
        """What `/api/health` shows: figures and a yes/no, no path."""
        free = None if self.free_bytes is None else round(self.free_bytes / MB)
        return {"free_mb": free, "min_free_mb": round(self.floor_bytes / MB), "low": self.low}


def free_bytes(path: Path) -> int | None:
    """Free space for this user on the disk of `path` (or of its nearest existing parent:
    the data folder may not exist yet)."""
    folder = Path(path).absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


def disk_state(settings: Settings) -> DiskState:
    return DiskState(free_bytes(settings.data_dir), int(settings.min_free_mb * MB))


def refuse_start_when_low(settings: Settings) -> None:
    """Before a new interview is admitted: `DiskSpaceError` under the floor."""
    state = disk_state(settings)
    if state.low:
        log.warning("refused a new interview: %s MB free, the floor is %s MB", *_mb(state))
        raise DiskSpaceError(STARTS_PAUSED)


def refuse_answer_when_low(settings: Settings) -> None:
    """Before an answer is relayed: `DiskSpaceError` ("Not saved...") under the floor."""
    state = disk_state(settings)
    if state.low:
        log.warning("refused an answer: %s MB free, the floor is %s MB", *_mb(state))
        raise DiskSpaceError(NOT_SAVED_NO_SPACE)


def _mb(state: DiskState) -> tuple[int, int]:
    return round((state.free_bytes or 0) / MB), round(state.floor_bytes / MB)
