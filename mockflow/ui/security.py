"""HTTP hardening of the app's responses: a Content-Security-Policy that keeps remote
images (tracking pixels in an answer or a role) from loading, while Gradio's inline
scripts and styles, its fonts and the voice room (livekit-client, its WebSocket and
HTTPS calls to the user's LiveKit URL) keep working."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(livekit_client_url: str | None) -> str:
    scripts = ["'self'", "'unsafe-inline'", "'unsafe-eval'"]  # Gradio 6 needs both
    if livekit_client_url and livekit_client_url.startswith(("http://", "https://")):
        parts = urlsplit(livekit_client_url)
        scripts.append(f"{parts.scheme}://{parts.netloc}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src " + " ".join(scripts),
            "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
            "font-src 'self' data: https://fonts.gstatic.com",
            "img-src 'self' data: blob:",
            "media-src 'self' data: blob:",
            # the user's LiveKit server: any wss:/https: host (ws:/http: for a local one)
            "connect-src 'self' ws: wss: https: http:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware adding the policy (and no-sniff) to every HTTP response."""

    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in self.headers if h[0] not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
