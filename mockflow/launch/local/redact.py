"""Making process output safe to show: one line, bounded, with the spec's secrets and any
URL credentials masked."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mockflow.redaction import redact_urls

MAX_LINE = 200
_SECRET_FIELDS = ("api_key", "api_secret", "token", "secret", "password")


def spec_secrets(spec: Mapping[str, Any]) -> list[str]:
    """Every string value in the spec stored under a secret-looking field name."""
    return sorted(set(_walk_secrets(spec)), key=len, reverse=True)


def safe_line(text: str, secrets: list[str]) -> str:
    """The first line of `text`, secrets replaced by `***`, cut to `MAX_LINE` characters."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    for secret in secrets:
        line = line.replace(secret, "***")
    line = redact_urls(line)
    if len(line) > MAX_LINE:
        line = line[: MAX_LINE - 1] + "…"
    return line


def _walk_secrets(value: Any, field: str = "") -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk_secrets(item, str(key).lower())
    elif isinstance(value, list):
        for item in value:
            yield from _walk_secrets(item, field)
    elif isinstance(value, str) and len(value) >= 4 and field.endswith(_SECRET_FIELDS):
        yield value
