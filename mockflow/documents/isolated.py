"""Extraction in a child process: a hard time limit and a memory limit for PDFium.

PDFium is C code: a PDF whose streams inflate to gigabytes (a 1 MB file can ask for
2 GB) is decompressed inside one uninterruptible call, and under a memory limit PDFium
aborts the whole process. So untrusted uploads are read in a child process
(`python -m mockflow.documents.child`, file bytes on stdin, a JSON result on stdout)
that limits its own address space and is killed when the time is up. The app keeps
running whatever the file does; the cost is one interpreter start (about 0.1 s).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from pathlib import Path, PurePath

from mockflow.documents import errors
from mockflow.documents.errors import DocumentError, DocumentTooComplex, ExtractionTimeout
from mockflow.documents.extract import ExtractedDocument, Source, read_source
from mockflow.documents.limits import ExtractLimits

log = logging.getLogger(__name__)
# Starting an interpreter and importing PDFium and python-docx, on a busy machine.
STARTUP_GRACE_SECONDS = 5.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
# Not this module: `-m` on a module the package already imported runs it twice.
CHILD_MODULE = "mockflow.documents.child"


def extract_isolated(
    source: Source, filename: str | None = None, *, limits: ExtractLimits | None = None
) -> ExtractedDocument:
    """`extract_document` run in a child process held to `limits`, memory included."""
    limits = limits or ExtractLimits()
    data = read_source(source, limits.max_bytes)
    command = [sys.executable, "-m", CHILD_MODULE, json.dumps(dataclasses.asdict(limits))]
    if filename:  # only the suffix: a file name can be personal, and argv is public
        command.append("document" + PurePath(filename).suffix[:10])
    try:
        child = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=limits.max_seconds + STARTUP_GRACE_SECONDS,
            env=_child_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExtractionTimeout(limits.max_seconds) from None
    return _result(child, limits)


def _child_environment() -> dict[str, str]:
    """What the child needs and nothing else: it reads untrusted files, not the app's keys."""
    keep = ("PATH", "SYSTEMROOT", "LANG", "LC_ALL", "TMPDIR", "TEMP", "TMP")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    path = os.environ.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, path]))
    return env


def _result(child: subprocess.CompletedProcess[bytes], limits: ExtractLimits) -> ExtractedDocument:
    try:
        reply = json.loads(child.stdout)
    except ValueError:
        if child.returncode < 0:  # a signal: PDFium aborts when the memory limit bites
            raise DocumentTooComplex(limits.max_memory_bytes) from None
        log.warning("extraction child failed with exit code %s", child.returncode)
        raise DocumentError("This file could not be read.") from None
    if "error" in reply:
        raise _rebuilt_error(reply["error"], reply["message"])
    return ExtractedDocument(**reply)


def _rebuilt_error(name: str, message: str) -> DocumentError:
    """The child's error as the same class, so callers' `except` clauses still match."""
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, DocumentError)):
        cls = DocumentError
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    return error
