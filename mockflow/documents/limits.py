"""Extraction limits (enforced on the server) and the deadline that enforces the time limit.

The time limit is cooperative: extraction checks the deadline between pages (PDF) and
between blocks (DOCX). PDFium is C code, so one call (opening the file, reading one page)
cannot be interrupted from Python; the size and page limits bound what such a call gets.
`documents.isolated.extract_isolated` adds the hard stop: a child process with a memory
limit that is killed at the time limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from mockflow.documents.errors import ExtractionTimeout


@dataclass(frozen=True)
class ExtractLimits:
    """What one extraction may cost; every limit is checked before the work it bounds."""

    max_bytes: int = 5_000_000
    max_pages: int = 20
    max_chars: int = 30_000
    max_seconds: float = 10.0
    # A .docx is a zip archive: its members are checked in the central directory, before
    # anything is decompressed. Legitimate Word XML deflates about 5-20x.
    max_unpacked_bytes: int = 40_000_000
    max_archive_members: int = 2_000
    max_compression_ratio: float = 100.0
    # Only `extract_isolated` can hold a C library to a memory limit (see isolated.py).
    max_memory_bytes: int = 768_000_000


class Deadline:
    """The moment extraction must stop, on an injectable monotonic clock."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    def check(self) -> None:
        """Raise `ExtractionTimeout` once the time is up."""
        if self._clock() >= self._end:
            raise ExtractionTimeout(self.seconds)
