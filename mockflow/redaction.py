"""Credentials in URLs, masked wherever text leaves a process (logs, messages, errors).

A provider base URL may carry a password (`http://user:pw@host/v1`) or a key in its
query (`?api_key=…`). `redact_urls` masks both in any text; `display_host` is the only
form of a visitor's URL that messages show; `RedactUrlCredentials` is the logging filter
on the app's and the agent's handlers, a safety net for what libraries log themselves.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

MASK = "***"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/?#@'\"<>]+@")
_BARE_USERINFO = re.compile(r"(?<![\w/@.:%\-])[^\s/?#@:'\"<>()\[\],;=]+:[^\s/?#@'\"<>]+@(?=[\w\[])")
_SECRET_QUERY = re.compile(
    r"(?i)([?&;](?:api[_\-]?key|apikey|key|token|access[_\-]?token|auth|authorization"
    r"|secret|client[_\-]?secret|password|passwd|pwd|sig|signature|x-goog-api-key)=)"
    r"[^&#\s'\"<>]+"
)


def redact_urls(text: str) -> str:
    """`text` with every URL's user:password and secret-named query values masked."""
    if "@" in text:
        text = _USERINFO.sub(rf"\1{MASK}@", text)
        text = _BARE_USERINFO.sub(f"{MASK}@", text)
    if "=" in text:
        text = _SECRET_QUERY.sub(rf"\1{MASK}", text)
    return text


_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def display_host(url: str | None) -> str:
    """`host:port` of a URL (the scheme's port when none is written), never its
    credentials, path or query."""
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname, parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return "that address"
    if not host:
        return "that address"
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


class RedactUrlCredentials(logging.Filter):
    """Masks URL credentials in each record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: logging reports it itself
            return True
        redacted = redact_urls(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact_urls(text)
        return True


def install_on_root_handlers() -> None:
    """Adds the filter to every handler of the root logger (once each)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactUrlCredentials) for f in handler.filters):
            handler.addFilter(RedactUrlCredentials())
