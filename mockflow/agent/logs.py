"""Logging for the agent process: a file in the session directory, with secrets redacted.

Log lines carry ids and stage names; a filter also masks any provider key from the launch
spec, anything shaped like an OpenAI key, and credentials in URLs (`user:pw@`, `?api_key=`)
in case a library puts one in a message.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

from mockflow.private_files import open_private
from mockflow.redaction import install_on_root_handlers, redact_urls

_KEY_SHAPES = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|eyJ[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_.\-]+)")


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return redact_urls(_KEY_SHAPES.sub("[redacted]", text))

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


class DropExpectedNoise(logging.Filter):
    """Drops framework warnings about what MockFlow does on purpose: a drafted reply is
    redrafted whenever a stage changes (the new stage's instructions)."""

    _EXPECTED = ("preemptive generation invalidated",)

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("livekit.agents"):
            return True
        return not str(record.msg).startswith(self._EXPECTED)


def log_to_stderr(level: str) -> None:
    """Before the launch spec arrives: warnings only, on stderr."""
    logging.basicConfig(level=logging.WARNING, format="mockflow-agent: %(message)s")
    install_on_root_handlers()
    logging.getLogger("mockflow").setLevel(level)


def log_to_session_file(path: Path, level: str, session_id: str, secrets: Iterable[str]) -> None:
    """From here on everything goes to the session's log file and nothing to stderr."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    os.close(open_private(path))  # FileHandler would create it as the umask says
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s %(levelname)s %(name)s [{session_id}] %(message)s")
    )
    handler.addFilter(DropExpectedNoise())
    handler.addFilter(RedactSecrets(secrets))
    root.addHandler(handler)
    root.setLevel(level)
