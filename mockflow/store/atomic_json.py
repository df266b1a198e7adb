"""TinyDB storage that survives crashes: atomic whole-file writes, cached reads.

`AtomicJSONStorage` writes the whole database to a temp file in the same folder, fsyncs
it, `os.replace`s it over the old one and fsyncs the folder, so a crash (even kill -9 or a
power cut) leaves either the previous file or the new one, never half of one. Writes are
serialised by a lock. The last state stays in memory, so a read does not re-parse the
file; that is safe because one storage owns the file at a time (an exclusive `flock` on
`<name>.lock`, released on close or when the process dies): a second app on the same data
folder gets `DatabaseInUseError` instead of silently overwriting the first one's writes.

Before each replace the previous `GENERATIONS` files are kept as `<name>.1` (newest) to
`<name>.N`: a hard link to the old file and N-1 renames, no copying. A damaged file
(empty, truncated, not JSON, wrong shape) is never overwritten: with
`on_corrupt="quarantine"` it is moved aside as `<name>.corrupt-<time>`, the newest valid
generation is loaded (and written back as the database), and `recovery` says what
happened; only when no generation is valid does the database start empty. With
`on_corrupt="raise"` opening fails with `CorruptDatabaseError`.

Messages of errors raised while the app runs name no server path: they reach users.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from tinydb.storages import Storage

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from mockflow.errors import MockflowError
from mockflow.private_files import atomic_write, fsync_dir, make_private_dir, open_private

log = logging.getLogger(__name__)

OnCorrupt = Literal["quarantine", "raise"]
GENERATIONS = 3
_TMP_GLOB = ".{name}.*.tmp"


class StoreError(MockflowError):
    """The database could not be read or written."""


class DataDirNotWritableError(StoreError):
    """The data folder cannot be created or written to."""


class CorruptDatabaseError(StoreError):
    """The database file is damaged and was left as it is (`on_corrupt="raise"`)."""


class DatabaseInUseError(StoreError):
    """Another open store (in this or another process) already owns the database file."""


@dataclass(frozen=True)
class Recovery:
    """What opening found: the damaged file set aside, and the copy loaded instead (None:
    no valid copy, the database started empty)."""

    damaged: Path
    restored_from: Path | None = None
    copy_made_at: float | None = None


class AtomicJSONStorage(Storage):
    """TinyDB storage writing compact JSON atomically, with the last state cached."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        on_corrupt: OnCorrupt = "quarantine",
        generations: int = GENERATIONS,
    ):
        self.path = Path(path)
        self.recovery: Recovery | None = None
        self._generations = generations
        self._lock = threading.Lock()
        _prepare_dir(self.path.parent)
        self._owner = _claim(self.path)
        try:
            _remove_stale_temp_files(self.path)
            self._data: dict[str, dict[str, Any]] | None = self._load(on_corrupt)
            if not self.path.exists():
                atomic_write(self.path, dumps(self._data).encode("utf-8"))
        except BaseException:
            self.close()
            raise

    def forget_copies(self) -> None:
        """Drop the kept generations (after a user's data was deleted: they hold it too)."""
        with self._lock:
            for copy in generation_paths(self.path, self._generations):
                with contextlib.suppress(FileNotFoundError):
                    copy.unlink()

    @property
    def recovered_from(self) -> Path | None:
        """Where a damaged database file was moved at open, if it was."""
        return self.recovery.damaged if self.recovery else None

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
                rotate_generations(self.path, self._generations)
                atomic_write(self.path, dumps(data).encode("utf-8"))
            except OSError as exc:
                self._data = None  # TinyDB mutated the cached state; reload from disk
                log.error("couldn't write the database %s: %s", self.path, exc.strerror)
                raise StoreError(_unwritable_message(exc)) from None
            self._data = data

    def _load(self, on_corrupt: OnCorrupt) -> dict[str, dict[str, Any]]:
        try:
            data = _read_valid(self.path)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.error("couldn't read the database %s: %s", self.path, exc.strerror)
            raise StoreError("The app's data can't be read on the server right now.") from None
        if data is not None:
            return data
        return self._handle_corrupt(on_corrupt)

    def _handle_corrupt(self, on_corrupt: OnCorrupt) -> dict[str, dict[str, Any]]:
        if on_corrupt == "raise":
            raise CorruptDatabaseError(
                f"The data file {self.path} is damaged (truncated or not valid JSON) and was "
                "not loaded. Restore it from a backup, or move it aside to start afresh."
            )
        aside = _aside_name(self.path)
        os.replace(self.path, aside)
        fsync_dir(self.path.parent)
        for copy in generation_paths(self.path, self._generations):
            with contextlib.suppress(OSError):
                data = _read_valid(copy)
                if data is not None:
                    made_at = copy.stat().st_mtime
                    atomic_write(self.path, dumps(data).encode("utf-8"))
                    self.recovery = Recovery(aside, copy, made_at)
                    log.error(
                        "database file %s was damaged; kept it as %s and restored the copy "
                        "%s made at %s",
                        self.path,
                        aside.name,
                        copy.name,
                        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(made_at)),
                    )
                    return data
        self.recovery = Recovery(aside)
        log.error(
            "database file %s was damaged and no valid copy was left; kept it as %s and "
            "started an empty database (the session index is rebuilt from the sessions folder)",
            self.path,
            aside.name,
        )
        return {}


def generation_paths(path: Path, generations: int = GENERATIONS) -> list[Path]:
    """The kept copies of `path`, newest first."""
    return [path.with_name(f"{path.name}.{n}") for n in range(1, generations + 1)]


def rotate_generations(path: Path, generations: int = GENERATIONS) -> None:
    """Keep the current file as `<name>.1` (a hard link: it is never written again, as every
    write replaces the file) after shifting the older copies down one."""
    if generations <= 0 or not path.exists():
        return
    copies = generation_paths(path, generations)
    for older, newer in zip(reversed(copies[1:]), reversed(copies[:-1]), strict=True):
        with contextlib.suppress(FileNotFoundError):
            os.replace(newer, older)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(copies[0])
    os.link(path, copies[0])


def _read_valid(path: Path) -> dict[str, dict[str, Any]] | None:
    """The database in `path`, or None if the file is damaged (empty counts as damaged:
    the app never writes an empty file)."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
        _check_shape(data)
    except (ValueError, TypeError):
        return None
    return data


def _unwritable_message(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "Couldn't save: the server's disk is full (No space left on device)."
    return f"Couldn't save: the server can't write its data right now ({exc.strerror})."


def _claim(path: Path) -> IO[bytes] | None:
    """Take an exclusive advisory lock on `<db>.lock`: a second app on the same data folder
    would otherwise overwrite the first one's writes with its own cached state."""
    if fcntl is None:  # Windows: no advisory lock; one app per data folder is up to the user
        return None
    lock_path = path.with_name(path.name + ".lock")
    owner = os.fdopen(open_private(lock_path), "ab")
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
        make_private_dir(directory)
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
