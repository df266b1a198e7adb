"""`python -m mockflow extract FILE`: print what the interviewer will read from a file.

It reads through `extract_isolated`, as the app should: a hostile PDF then ends in the
one-line error, never in PDFium aborting this process.
"""

from __future__ import annotations

import logging
import sys

from mockflow.documents.errors import DocumentError
from mockflow.documents.isolated import extract_isolated

USAGE = "usage: python -m mockflow extract FILE"
log = logging.getLogger(__name__)


def main(argv: list[str]) -> int:
    """Print the extracted text and return 0, or a one-line error on stderr and return 2."""
    if argv in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if len(argv) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        text = extract_isolated(argv[0]).text
    except DocumentError as exc:
        print(f"mockflow extract: {exc}", file=sys.stderr)
        return 2
    except Exception:  # the top of a process: a bad file must not print a traceback
        log.debug("extraction failed", exc_info=True)
        print("mockflow extract: this file could not be read.", file=sys.stderr)
        return 2
    # A terminal that cannot show a character gets a replacement, not a crash.
    sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    print(text)
    return 0
