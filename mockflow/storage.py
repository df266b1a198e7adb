"""TinyDB storage that survives crashes: atomic whole-file writes, cached reads.

`AtomicJSONStorage` writes the whole database to a temp file in the same folder, fsyncs
it, `os.replace`s it over the old one and fsyncs the folder, so a crash (even kill -9 or a
power cut) leaves either the previous file or the new one, never half of one. Writes are
serialised by a lock. The last state stays in memory, so a read does not re-parse the
file; that is safe because one storage owns the file at a time (an exclusive `flock` on
`<name>.lock`, released on close or when the process dies): a second app on the same data
folder gets `DatabaseInUseError` instead of silently overwriting the first one's writes.

A damaged file (truncated, not JSON, wrong shape) is never overwritten: with
`on_corrupt="quarantine"` it is moved aside as `<name>.corrupt-<time>`, logged as an
error and reported in `recovered_from`, and the database starts empty; with
`on_corrupt="raise"` opening fails with `CorruptDatabaseError`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any, Literal

from tinydb.storages import Storage

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from mockflow.errors import MockflowError

log = logging.getLogger(__name__)

OnCorrupt = Literal["quarantine", "raise"]
_TMP_GLOB = ".{name}.*.tmp"


class StoreError(MockflowError):
    """The database could not be read or written."""


class DataDirNotWritableError(StoreError):
    """The data folder cannot be created or written to."""


class CorruptDatabaseError(StoreError):
    """The database file is damaged and was left as it is (`on_corrupt="raise"`)."""


class DatabaseInUseError(StoreError):
    """Another open store (in this or another process) already owns the database file."""


class AtomicJSONStorage(Storage):
    """TinyDB storage writing compact JSON atomically, with the last state cached."""

    def __init__(self, path: str | os.PathLike[str], on_corrupt: OnCorrupt = "quarantine"):
        self.path = Path(path)
        self.recovered_from: Path | None = None
        self._lock = threading.Lock()
        _prepare_dir(self.path.parent)
        self._owner = _claim(self.path)
        try:
            _remove_stale_temp_files(self.path)
            self._data: dict[str, dict[str, Any]] | None = self._load(on_corrupt)
            if not self.path.exists():
                self.write({})
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the claim on the file; a killed process releases it too."""
        if self._owner is not None:
            self._owner.close()
            self._owner = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            self._data = self._load("raise")
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        with self._lock:
            try:
                atomic_write(self.path, dumps(data).encode("utf-8"))
            except OSError as exc:
                self._data = None  # TinyDB mutated the cached state; reload from disk
                raise StoreError(f"Couldn't save to {self.path}: {exc.strerror}.") from None
            self._data = data

    def _load(self, on_corrupt: OnCorrupt) -> dict[str, dict[str, Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreError(f"Couldn't read {self.path}: {exc.strerror}.") from None
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
            _check_shape(data)
        except (ValueError, TypeError):
            return self._handle_corrupt(on_corrupt)
        return data

    def _handle_corrupt(self, on_corrupt: OnCorrupt) -> dict[str, dict[str, Any]]:
        if on_corrupt == "raise":
            raise CorruptDatabaseError(
                f"The data file {self.path} is damaged (truncated or not valid JSON) and was "
                "not loaded. Restore it from a backup, or move it aside to start afresh."
            )
        aside = _aside_name(self.path)
        os.replace(self.path, aside)
        _fsync_dir(self.path.parent)
        self.recovered_from = aside
        log.error(
            "database file %s was damaged; kept it as %s and started an empty database "
            "(interview transcripts in the sessions folder are untouched)",
            self.path,
            aside,
        )
        return {}


def _claim(path: Path) -> IO[bytes] | None:
    """Take an exclusive advisory lock on `<db>.lock`: a second app on the same data folder
    would otherwise overwrite the first one's writes with its own cached state."""
    if fcntl is None:  # Windows: no advisory lock; one app per data folder is up to the user
        return None
    owner = open(path.with_name(path.name + ".lock"), "ab")  # noqa: SIM115 - kept open
    try:
        fcntl.flock(owner.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        owner.close()
        raise DatabaseInUseError(
            f"Another MockFlow app is already using the data folder {path.parent}. Stop it "
            "first, or give this one its own MOCKFLOW_DATA_DIR."
        ) from None
    return owner


def _check_shape(data: object) -> None:
    if not isinstance(data, dict):
        raise TypeError("top level is not an object")
    for table in data.values():
        if not isinstance(table, dict) or not all(isinstance(d, dict) for d in table.values()):
            raise TypeError("a table is not an object of documents")


def _prepare_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".write-probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise DataDirNotWritableError(
            f"Can't write to the data folder {directory} ({exc.strerror}). "
            "Set MOCKFLOW_DATA_DIR to a folder this user can write to."
        ) from None


def _remove_stale_temp_files(path: Path) -> None:
    for stale in path.parent.glob(_TMP_GLOB.format(name=path.name)):
        with contextlib.suppress(OSError):
            stale.unlink()


def atomic_write(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _aside_name(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    return aside


def dumps(value: object) -> str:
    """Compact JSON, as the database file holds it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
