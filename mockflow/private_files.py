"""Files and folders only the app's own user may read: interview data is personal.

Every folder the app creates for its data (the data folder itself when the app creates
it, session and per-user folders, logs, caches) is mode 0700; every file in them
(timeline, meta.json, agent.log, heartbeat, pid file, reports) and the database with its
copies are 0600, whatever the process umask. Both processes use this (it imports nothing
else).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND


def make_private_dir(directory: Path) -> Path:
    """Create `directory` mode 0700, and each missing parent too (`Path.mkdir` would make
    those 0755); an existing `directory` is tightened, existing parents are left alone
    (an operator's own folders keep their modes)."""
    directory = Path(directory)
    missing = []
    folder = directory
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # another thread made it meanwhile
            continue
        if folder.stat().st_mode & 0o777 != PRIVATE_DIR:  # a umask took more than 077
            os.chmod(folder, PRIVATE_DIR)
    if directory.stat().st_mode & 0o777 != PRIVATE_DIR:
        os.chmod(directory, PRIVATE_DIR)
    return directory


def open_private(path: Path, flags: int = APPEND) -> int:
    """Open (creating) a file mode 0600, tightening it if it was not; returns the fd."""
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        if os.fstat(fd).st_mode & 0o777 != PRIVATE_FILE:
            os.fchmod(fd, PRIVATE_FILE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` through a private scratch file (a reader never sees it
    half-written)."""
    scratch = Path(path).with_name(Path(path).name + ".tmp")
    with os.fdopen(open_private(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w") as f:
        f.write(text)
    os.replace(scratch, path)


def atomic_write(path: Path, payload: bytes) -> None:
    """Replace `path` with `payload` durably: a private temp file, fsync, rename, fsync of
    the folder; a reader sees the old or the new content, never a part."""
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
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
