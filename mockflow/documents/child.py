"""The child process of `isolated.extract_isolated`: limit memory, extract, print JSON.

python -m mockflow.documents.child LIMITS_JSON [NAME] < FILE
"""

from __future__ import annotations

import dataclasses
import json
import sys

from mockflow.documents.errors import DocumentError, DocumentTooComplex
from mockflow.documents.extract import extract_document
from mockflow.documents.limits import ExtractLimits

try:
    import resource
except ImportError:  # Windows: no memory limit; the parent's time limit still holds
    resource = None  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    """The child: limit memory, extract the bytes on stdin, print one JSON object."""
    limits = ExtractLimits(**json.loads(argv[0]))
    filename = argv[1] if len(argv) > 1 else None
    memory = limits.max_memory_bytes
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    data = sys.stdin.buffer.read(limits.max_bytes + 1)
    try:
        reply = dataclasses.asdict(extract_document(data, filename, limits=limits))
    except DocumentError as exc:
        reply = {"error": type(exc).__name__, "message": str(exc)}
    except MemoryError:
        reply = {"error": "DocumentTooComplex", "message": str(DocumentTooComplex(memory))}
    sys.stdout.write(json.dumps(reply))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
