"""Model files on disk: hashing, joining packaged parts, downloading, and fitting in memory.

Every file that ends up under a model's final name got there by a rename after it was
complete and (when a hash is known) verified: a join or a download writes `<name>.part`,
fsyncs it, checks its sha256, then renames it. A half file never carries the final name.

- `sha256_of(path, cache)` streams the file; `HashCache` remembers (path, size, mtime) →
  sha256 in a JSON sidecar so a 491 MB model is not re-read at every start.
- `verify(path, expected, cache)` raises `ModelHashMismatch` naming the file.
- `join_parts(parts, dest, sha256, progress)` concatenates parts in order.
- `download(url, dest, sha256, progress)` resumes an interrupted `.part` with an HTTP Range
  request and starts again from zero when the server ignores it.
- `check_memory(size, name)` refuses a model whose size × 1.5 + 300 MB exceeds the memory
  available now, with both figures in the message.

`progress` callbacks receive `(done_bytes, total_bytes)`; total is 0 when unknown.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from mockflow.errors import MockflowError

Progress = Callable[[int, int], None]

CHUNK = 1 << 20
MB = 1_000_000
MEMORY_FACTOR = 1.5
MEMORY_OVERHEAD = 300 * MB
DOWNLOAD_TIMEOUT = 30.0


class ModelFileError(MockflowError):
    """A local model file is missing, damaged, too large, or could not be fetched."""


class ModelMissing(ModelFileError):
    """A model file that should be on disk is not there."""


class ModelHashMismatch(ModelFileError):
    """A model file's content is not the one pinned: corrupt, truncated or replaced."""


class NotEnoughMemory(ModelFileError):
    """The model would not fit in the memory this computer has available now."""


class DownloadError(ModelFileError):
    """A model download failed; the partial file is kept to resume from."""


class HashCache:
    """sha256 by (resolved path, size, mtime), kept in a JSON file; safe across threads."""

    def __init__(self, sidecar: Path) -> None:
        self.sidecar = sidecar
        self._lock = threading.Lock()

    def get(self, path: Path) -> str | None:
        key, stamp = _key(path)
        with self._lock:
            entry = self._load().get(key)
        if isinstance(entry, dict) and entry.get("stamp") == stamp:
            value = entry.get("sha256")
            return value if isinstance(value, str) else None
        return None

    def put(self, path: Path, sha256: str) -> None:
        key, stamp = _key(path)
        with self._lock:
            entries = self._load()
            entries[key] = {"stamp": stamp, "sha256": sha256}
            self.sidecar.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.sidecar.with_name(self.sidecar.name + ".tmp")
            tmp.write_text(json.dumps(entries, indent=1, sort_keys=True), "utf-8")
            os.replace(tmp, self.sidecar)

    def _load(self) -> dict[str, object]:
        try:
            data = json.loads(self.sidecar.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def _key(path: Path) -> tuple[str, list[int]]:
    stat = path.stat()
    return str(path.resolve()), [stat.st_size, stat.st_mtime_ns]


def sha256_of(path: Path, cache: HashCache | None = None, progress: Progress | None = None) -> str:
    """The file's sha256 (hex), from `cache` when the file has not changed since."""
    try:
        if cache is not None and (known := cache.get(path)):
            return known
        total, done, digest = path.stat().st_size, 0, hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except FileNotFoundError:
        raise ModelMissing(f"The model file {path} is missing.") from None
    value = digest.hexdigest()
    if cache is not None:
        cache.put(path, value)
    return value


def verify(path: Path, expected: str, cache: HashCache | None = None) -> None:
    """Raise `ModelHashMismatch` (naming the file) unless its sha256 is `expected`."""
    if sha256_of(path, cache) != expected:
        raise ModelHashMismatch(_mismatch(path))


def _mismatch(path: Path) -> str:
    return (
        f"The model file {path} is damaged or not the expected one (its checksum does not "
        "match): delete it and prepare the local models again."
    )


def join_parts(
    parts: Iterable[Path],
    dest: Path,
    sha256: str | None,
    progress: Progress | None = None,
    cache: HashCache | None = None,
) -> Path:
    """Concatenate `parts` in order into `dest`, atomically; verified when `sha256` is set."""
    parts = list(parts)
    for part in parts:
        if not part.is_file():
            raise ModelMissing(f"A part of the model {dest.name} is missing: {part}.")
    total, done = sum(part.stat().st_size for part in parts), 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(dest)
    digest = hashlib.sha256()
    with open(partial, "wb") as out:
        for part in parts:
            with open(part, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
        out.flush()
        os.fsync(out.fileno())
    return _finish(partial, dest, digest.hexdigest(), sha256, cache)


def _partial(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _finish(
    partial: Path, dest: Path, actual: str, expected: str | None, cache: HashCache | None
) -> Path:
    if expected is not None and actual != expected:
        partial.unlink(missing_ok=True)
        raise ModelHashMismatch(_mismatch(dest))
    os.replace(partial, dest)
    _fsync_dir(dest.parent)
    if cache is not None:
        cache.put(dest, actual)
    return dest


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def download(
    url: str,
    dest: Path,
    sha256: str | None,
    progress: Progress | None = None,
    *,
    cache: HashCache | None = None,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> Path:
    """Fetch `url` into `dest` through `<dest>.part`, resuming a partial file with Range.

    Without a pinned `sha256`, a Hugging Face `X-Linked-Etag` that is a sha256 is checked.
    A mismatch deletes the partial file; a network failure keeps it for the next attempt.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(dest)
    try:
        actual, linked = _fetch(url, partial, progress, timeout)
    except _StartAgain:
        return download(url, dest, sha256, progress, cache=cache, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and partial.exists():  # our partial file is not a prefix of theirs
            partial.unlink()
            return download(url, dest, sha256, progress, cache=cache, timeout=timeout)
        raise DownloadError(
            f"Downloading {dest.name} failed: the server said {exc.code}."
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc.__class__.__name__
        raise DownloadError(
            f"Downloading {dest.name} from {_host(url)} failed ({reason}); try again to resume it."
        ) from None
    return _finish(partial, dest, actual, sha256 or linked, cache)


class _StartAgain(Exception):
    """The partial file was dropped: download from the start."""


class _LinkedEtag(urllib.request.HTTPRedirectHandler):
    """Keeps Hugging Face's `X-Linked-Etag` (the file's sha256) from the redirect to its CDN."""

    etag: str | None = None

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        self.etag = self.etag or headers.get("X-Linked-Etag")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(
    url: str, partial: Path, progress: Progress | None, timeout: float
) -> tuple[str, str | None]:
    """Append what is missing to `partial`; (its sha256, the server's sha256 if it says)."""
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "mockflow"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    linked = _LinkedEtag()
    with urllib.request.build_opener(linked).open(request, timeout=timeout) as answer:
        if answer.status == 206 and not _resumes_at(answer.headers.get("Content-Range"), have):
            partial.unlink()
            raise _StartAgain  # a part we did not ask for
        if answer.status != 206:  # the server ignored Range: start again
            have = 0
        length = int(answer.headers.get("Content-Length") or 0)
        total = have + length if length else 0
        digest, done = _digest_of(partial, have), have
        with open(partial, "ab" if have else "wb") as out:
            while chunk := answer.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        etag = answer.headers.get("X-Linked-Etag") or linked.etag
    if total and done != total:
        raise DownloadError(
            f"Downloading {partial.name.removesuffix('.part')} stopped at {done} of {total} "
            "bytes; try again to resume it."
        )
    return digest.hexdigest(), _linked_sha256(etag)


def _resumes_at(content_range: str | None, offset: int) -> bool:
    match = re.fullmatch(r"bytes (\d+)-\d+/(\d+|\*)", (content_range or "").strip())
    return match is not None and int(match.group(1)) == offset


def _digest_of(partial: Path, have: int) -> hashlib._Hash:
    digest = hashlib.sha256()
    if have:
        with open(partial, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    return digest


def _linked_sha256(etag: str | None) -> str | None:
    value = (etag or "").strip().strip('"').lower()
    return value if re.fullmatch(r"[0-9a-f]{64}", value) else None


def _host(url: str) -> str:
    return urllib.parse.urlparse(url).netloc or url


def check_memory(size_bytes: int, name: str, available: int | None = None) -> None:
    """Refuse a model that would not fit: size × 1.5 + 300 MB against available memory."""
    if available is None:
        import psutil

        available = int(psutil.virtual_memory().available)
    needed = int(size_bytes * MEMORY_FACTOR + MEMORY_OVERHEAD)
    if needed > available:
        raise NotEnoughMemory(
            f"The model {name} needs about {needed // MB} MB of free memory to run, but this "
            f"computer has {available // MB} MB available now. Close other programs or choose "
            "a smaller model."
        )


def size_of(path: Path) -> int:
    """Bytes in a file, or in all the files of a folder."""
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
    return path.stat().st_size
