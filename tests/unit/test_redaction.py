"""Credentials in URLs: masked in text, in log records and in failure messages."""

from __future__ import annotations

import logging

import pytest
from livekit.agents import APIConnectionError, APIStatusError

from mockflow.agent.logs import RedactSecrets
from mockflow.agent.providers import describe_failure
from mockflow.launch.local.redact import safe_line
from mockflow.redaction import (
    RedactUrlCredentials,
    display_host,
    install_on_root_handlers,
    redact_urls,
)

PASSWORD = "hunter2-pw"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"POST http://alice:{PASSWORD}@127.0.0.1:8080/v1/chat/completions",
            "POST http://***@127.0.0.1:8080/v1/chat/completions",
        ),
        (f"wss://alice:{PASSWORD}@[::1]:7880/rtc", "wss://***@[::1]:7880/rtc"),
        (f"connect to alice:{PASSWORD}@llm.lan failed", "connect to ***@llm.lan failed"),
        (
            f"GET https://llm.lan/v1/models?api_key={PASSWORD}&limit=5",
            "GET https://llm.lan/v1/models?api_key=***&limit=5",
        ),
        (f"url='https://x/v1?Token={PASSWORD}'", "url='https://x/v1?Token=***'"),
        (f"https://x/?key={PASSWORD}#top", "https://x/?key=***#top"),
    ],
)
def test_credentials_in_urls_are_masked(text, expected):
    assert redact_urls(text) == expected


@pytest.mark.parametrize(
    "text",
    ["mail ana@example.com", "at 10:30 the stage changed", "https://api.openai.com/v1?limit=2"],
)
def test_text_without_url_credentials_is_unchanged(text):
    assert redact_urls(text) == text


def test_display_host_shows_host_and_port_only():
    assert display_host(f"http://alice:{PASSWORD}@llm.lan:8080/v1?key=x") == "llm.lan:8080"
    assert display_host(f"https://alice:{PASSWORD}@[::1]/v1") == "[::1]:443"  # the scheme's
    assert display_host("wss://demo.livekit.cloud") == "demo.livekit.cloud:443"
    assert display_host("http://[::1") == "that address"


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, None) if exc is not None else None
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, msg, args, exc_info)


def test_the_log_filter_masks_messages_and_tracebacks():
    url = f"http://alice:{PASSWORD}@llm.lan/v1/chat/completions"
    record = _record('HTTP Request: POST %s "%s"', url, "HTTP/1.1 200 OK", exc=OSError(url))
    RedactUrlCredentials().filter(record)
    assert PASSWORD not in record.getMessage() and "llm.lan" in record.getMessage()
    assert PASSWORD not in record.exc_text and "llm.lan" in record.exc_text


def test_the_agent_log_filter_masks_url_credentials_too():
    record = _record("base url %s", f"http://alice:{PASSWORD}@llm.lan/v1")
    RedactSecrets([]).filter(record)
    assert record.getMessage() == "base url http://***@llm.lan/v1"


def test_a_failure_message_names_the_host_without_credentials():
    url = f"http://alice:{PASSWORD}@llm.lan:8080/v1?api_key={PASSWORD}"
    message = describe_failure("The LLM", APIConnectionError(), url)
    assert message == "The LLM at llm.lan:8080 could not be reached."
    status = APIStatusError("boom", status_code=503, body=None)
    assert PASSWORD not in describe_failure("The LLM", status, url)


def test_an_agent_s_stderr_line_shown_to_the_app_carries_no_url_credential():
    line = safe_line(f"openai.APIConnectionError: http://alice:{PASSWORD}@llm.lan/v1\n", [])
    assert PASSWORD not in line and "llm.lan" in line


def test_the_root_handlers_filter_what_any_library_logs(tmp_path):
    root = logging.getLogger()
    handler = logging.FileHandler(tmp_path / "app.log", encoding="utf-8")
    root.addHandler(handler)
    try:
        install_on_root_handlers()
        install_on_root_handlers()  # idempotent: one filter per handler
        logging.getLogger("httpx").warning("POST http://alice:%s@llm.lan/v1", PASSWORD)
    finally:
        root.removeHandler(handler)
        handler.close()
    assert sum(isinstance(f, RedactUrlCredentials) for f in handler.filters) == 1
    assert (tmp_path / "app.log").read_text() == "POST http://***@llm.lan/v1\n"
