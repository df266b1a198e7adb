"""The model endpoint a rehearsal runs against, and the check made before any interview.

`check_endpoint` asks `GET {base_url}/models` once (5 s) through the openai SDK and raises
`EndpointError` with one plain line naming host:port (never the key) when the endpoint
cannot be used; models it does not list come back as warnings, since some compatible
servers list fewer models than they serve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import openai

from mockflow.errors import MockflowError

OPENAI_BASE_URL = "https://api.openai.com/v1"
CHECK_TIMEOUT = 5.0


class EndpointError(MockflowError):
    """The model endpoint cannot be used: unreachable, key rejected, or not OpenAI-like."""


@dataclass(frozen=True)
class Endpoint:
    base_url: str | None
    api_key: str = field(repr=False)
    model: str

    @property
    def where(self) -> str:
        """host:port of the endpoint, without any credentials in the URL."""
        return host_port(self.base_url or OPENAI_BASE_URL)


def host_port(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "an unreadable address"
    return f"{parts.hostname or '?'}:{port}"


def check_endpoint(endpoint: Endpoint, models: Sequence[str]) -> list[str]:
    """Raise `EndpointError` if the endpoint is unusable; return warnings about `models`."""
    base_url = endpoint.base_url
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise EndpointError(f"--base-url must start with http:// or https:// (got {base_url!r})")
    where = endpoint.where
    client = openai.OpenAI(
        api_key=endpoint.api_key, base_url=base_url, timeout=CHECK_TIMEOUT, max_retries=0
    )
    try:
        listed = {m.id for m in client.models.list().data}
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise EndpointError(
            f"the model endpoint at {where} rejected the API key ({exc.status_code})"
        ) from None
    except openai.NotFoundError:
        raise EndpointError(
            f"the model endpoint at {where} has no /models (404); the base URL usually ends in /v1"
        ) from None
    except openai.APIConnectionError:
        raise EndpointError(f"the model endpoint at {where} could not be reached") from None
    except openai.APIStatusError as exc:
        raise EndpointError(
            f"the model endpoint at {where} answered HTTP {exc.status_code}"
        ) from None
    except openai.APIError:
        raise EndpointError(
            f"the model endpoint at {where} does not answer like an OpenAI-compatible server"
        ) from None
    finally:
        client.close()
    return [
        f"the endpoint at {where} does not list the model {name!r}; trying it anyway"
        for name in dict.fromkeys(models)
        if listed and name not in listed
    ]
