"""Live checks of provider keys, answered in plain language.

One cheap, read-only call per provider: OpenAI-compatible `GET {base}/models`, Deepgram
`GET /v1/projects`, LiveKit `RoomService.ListRooms`. Each answer is a `KeyCheck` whose
message a candidate understands and which never contains the key (nor the server's own
error text, which may echo it). Timeouts are short: a check is a click in Settings.

On a public link a visitor's own URL (an OpenAI-compatible base URL, a LiveKit URL) is
vetted by `NetGuard` first and the request pinned to the vetted address; a refused
address and an unreachable one get the same message, so a check maps nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import aiohttp
from google.protobuf.message import DecodeError
from livekit import api

from mockflow.net.guard import (
    HTTP_SCHEMES,
    LIVEKIT_SCHEMES,
    REFUSED,
    AddressRefusedError,
    NetGuard,
)
from mockflow.net.pinning import Pin, pinned_session
from mockflow.redaction import display_host
from mockflow.store.vault import ProviderKeys

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
OPENAI_BASE_URL = "https://api.openai.com/v1"
DEEPGRAM_BASE_URL = "https://api.deepgram.com"


class KeyStatus(StrEnum):
    VALID = "valid"
    REJECTED = "rejected"
    UNREACHABLE = "unreachable"
    QUOTA_EXHAUSTED = "quota_exhausted"
    WRONG_URL = "wrong_url"
    NOT_SET = "not_set"
    NOT_ALLOWED = "not_allowed"
    MODEL_UNLISTED = "model_unlisted"  # the key works; the chosen model is not listed


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of checking one provider's key; `message` is safe to show."""

    provider: str
    status: KeyStatus
    message: str

    @property
    def ok(self) -> bool:
        """The key works (a model the server does not list is a warning, not a failure)."""
        return self.status in (KeyStatus.VALID, KeyStatus.MODEL_UNLISTED)


async def check_openai(
    api_key: str | None,
    base_url: str | None = None,
    *,
    model: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    guard: NetGuard | None = None,
) -> KeyCheck:
    """`GET {base_url}/models` with the key as a Bearer token."""
    name = "OpenAI" if not base_url else "The LLM server"
    if not api_key:
        return _result("openai", KeyStatus.NOT_SET, "No OpenAI key set.")
    base = (base_url or OPENAI_BASE_URL).rstrip("/")
    try:
        pin = await _vet(guard, base) if base_url else None
    except AddressRefusedError:
        return _refused("openai")
    headers = {"Authorization": f"Bearer {api_key}"}
    outcome = await _get_json("openai", name, f"{base}/models", headers, timeout, pin)
    if isinstance(outcome, KeyCheck):
        return _refused("openai") if pin and outcome.status is KeyStatus.UNREACHABLE else outcome
    status, body = outcome
    if status == 200 and isinstance(body, dict) and isinstance(body.get("data"), list):
        return _openai_valid(name, body["data"], model)
    if status == 429 and _openai_error_code(body) == "insufficient_quota":
        return _result(
            "openai",
            KeyStatus.QUOTA_EXHAUSTED,
            f"{name} accepted the key, but its credit is used up.",
        )
    return _from_status("openai", name, status, base)


async def check_deepgram(
    api_key: str | None,
    *,
    base_url: str = DEEPGRAM_BASE_URL,
    timeout: float = DEFAULT_TIMEOUT,
) -> KeyCheck:
    """`GET {base_url}/v1/projects` with `Authorization: Token <key>`."""
    if not api_key:
        return _result("deepgram", KeyStatus.NOT_SET, "No Deepgram key set.")
    base = base_url.rstrip("/")
    headers = {"Authorization": f"Token {api_key}"}
    outcome = await _get_json("deepgram", "Deepgram", f"{base}/v1/projects", headers, timeout)
    if isinstance(outcome, KeyCheck):
        return outcome
    status, body = outcome
    if status == 200 and isinstance(body, dict) and "projects" in body:
        return _result("deepgram", KeyStatus.VALID, "Deepgram accepted the key.")
    if status == 402:
        return _result(
            "deepgram",
            KeyStatus.QUOTA_EXHAUSTED,
            "Deepgram accepted the key, but its credit is used up.",
        )
    return _from_status("deepgram", "Deepgram", status, base)


async def check_livekit(
    url: str | None,
    api_key: str | None,
    api_secret: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    guard: NetGuard | None = None,
) -> KeyCheck:
    """List rooms through the server API (Twirp), which needs a valid key and secret."""
    if not (url and api_key and api_secret):
        missing = "URL" if not url else "API key" if not api_key else "API secret"
        return _result("livekit", KeyStatus.NOT_SET, f"No LiveKit {missing} set.")
    if not _host(url) or not url.startswith(("ws://", "wss://", "http://", "https://")):
        return _result(
            "livekit",
            KeyStatus.WRONG_URL,
            "The LiveKit URL should look like wss://your-project.livekit.cloud.",
        )
    host = display_host(url)
    try:
        pin = await _vet(guard, url, LIVEKIT_SCHEMES)
    except AddressRefusedError:
        return _refused("livekit")
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    session = pinned_session(pin, client_timeout) if pin else None
    # No region failover: its retries would stretch a check far past its timeout.
    client = api.LiveKitAPI(
        url, api_key, api_secret, timeout=client_timeout, session=session, failover=False
    )
    try:
        await client.room.list_rooms(api.ListRoomsRequest())
    except api.TwirpError as exc:
        return _livekit_server_error(exc, host)
    except (aiohttp.ClientError, TimeoutError):
        if pin:
            return _refused("livekit")
        return _result(
            "livekit",
            KeyStatus.UNREACHABLE,
            f"Couldn't reach the LiveKit server at {host}.",
        )
    except DecodeError:
        return _result(
            "livekit",
            KeyStatus.WRONG_URL,
            f"{host} doesn't answer like a LiveKit server.",
        )
    finally:
        await client.aclose()
        if session is not None:
            await session.close()
    return _result("livekit", KeyStatus.VALID, "LiveKit accepted the key and secret.")


async def check_all(
    keys: ProviderKeys,
    *,
    deepgram_base_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    guard: NetGuard | None = None,
) -> dict[str, KeyCheck]:
    """All three checks at once, keyed `openai`, `deepgram`, `livekit`. Deepgram is not
    called when speech-to-text is set to use OpenAI; `deepgram_base_url` is a self-hosted
    one (default: Deepgram's). `guard` vets the user's own URLs."""
    if keys.stt_provider == "openai":
        deepgram = _skip("deepgram", "Not needed: speech-to-text uses OpenAI.")
    else:
        deepgram = check_deepgram(
            keys.deepgram_api_key, base_url=deepgram_base_url or DEEPGRAM_BASE_URL, timeout=timeout
        )
    results = await asyncio.gather(
        check_openai(
            keys.openai_api_key,
            keys.openai_base_url,
            model=keys.openai_model,
            timeout=timeout,
            guard=guard,
        ),
        deepgram,
        check_livekit(
            keys.livekit_url,
            keys.livekit_api_key,
            keys.livekit_api_secret,
            timeout=timeout,
            guard=guard,
        ),
    )
    return {check.provider: check for check in results}


async def _skip(provider: str, message: str) -> KeyCheck:
    return KeyCheck(provider, KeyStatus.NOT_SET, message)


# helpers


async def _vet(
    guard: NetGuard | None, url: str, schemes: tuple[str, ...] = HTTP_SCHEMES
) -> Pin | None:
    """The pin for a user's URL on a public link (None locally); DNS off the event loop."""
    if guard is None or not guard.public:
        return None
    return await asyncio.to_thread(guard.vet, url, schemes=schemes)


def _refused(provider: str) -> KeyCheck:
    return _result(provider, KeyStatus.NOT_ALLOWED, REFUSED)


async def _get_json(
    provider: str,
    name: str,
    url: str,
    headers: dict[str, str],
    timeout: float,
    pin: Pin | None = None,
) -> tuple[int, object] | KeyCheck:
    """(HTTP status, parsed JSON or None), or the KeyCheck of a URL or network failure.
    With a `pin`, the request goes to the pinned address only."""
    host = display_host(url) if _host(url) else None
    if not host or not url.startswith(("http://", "https://")):
        return _result(
            provider, KeyStatus.WRONG_URL, f"{name}: the URL must start with http:// or https://."
        )
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    try:
        async with (
            pinned_session(pin, client_timeout)
            if pin
            else aiohttp.ClientSession(timeout=client_timeout) as session,
            session.get(url, headers=headers, allow_redirects=False) as resp,
        ):
            try:
                body: object = await resp.json(content_type=None)
            except ValueError:
                body = None
            return resp.status, body
    except (aiohttp.ClientError, TimeoutError):
        return _result(provider, KeyStatus.UNREACHABLE, f"Couldn't reach {name} at {host}.")


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _from_status(provider: str, name: str, status: int, base: str) -> KeyCheck:
    host = display_host(base)
    if status in (401, 403):
        return _result(
            provider,
            KeyStatus.REJECTED,
            f"{name} rejected the key ({status}). Check it in Settings.",
        )
    if status == 429:
        return _result(
            provider,
            KeyStatus.QUOTA_EXHAUSTED,
            f"{name} is rate-limiting this key (429); try again shortly.",
        )
    if status >= 500:
        return _result(
            provider,
            KeyStatus.UNREACHABLE,
            f"{name} had a server error ({status}); try again shortly.",
        )
    return _result(
        provider,
        KeyStatus.WRONG_URL,
        f"{host} doesn't answer like {name} ({status}); check the URL.",
    )


def _openai_valid(name: str, models: list[object], model: str | None) -> KeyCheck:
    ids = {m.get("id") for m in models if isinstance(m, dict)}
    if model and ids and model not in ids:
        return _result(
            "openai",
            KeyStatus.MODEL_UNLISTED,
            f"{name} accepted the key, but doesn't list the model {model!r}: check its name.",
        )
    return _result("openai", KeyStatus.VALID, f"{name} accepted the key.")


def _openai_error_code(body: object) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def _livekit_server_error(exc: api.TwirpError, host: str) -> KeyCheck:
    if exc.status in (401, 403) or exc.code in ("unauthenticated", "permission_denied"):
        return _result(
            "livekit", KeyStatus.REJECTED, f"LiveKit rejected the API key or secret ({exc.status})."
        )
    if exc.status == 429 or exc.code == "resource_exhausted":
        return _result(
            "livekit", KeyStatus.QUOTA_EXHAUSTED, "LiveKit says this project is over its limits."
        )
    if exc.status >= 500:
        return _result(
            "livekit",
            KeyStatus.UNREACHABLE,
            f"LiveKit had a server error ({exc.status}); try again shortly.",
        )
    return _result(
        "livekit",
        KeyStatus.WRONG_URL,
        f"{host} doesn't answer like a LiveKit server ({exc.status}).",
    )


def _result(provider: str, status: KeyStatus, message: str) -> KeyCheck:
    if provider:
        log.info("key check %s: %s", provider, status.value)
    return KeyCheck(provider, status, message)
