"""The voice room's livekit-client script as the app's own file: fetched from the npm
registry (the pinned version, checked against the tarball's published integrity and the
script's own SRI hash) into the installed package, so browsers load it from the app and
voice needs nothing from the internet beyond the LiveKit server.

`python -m mockflow.ui.livekit_js` fetches it (scripts/run.sh and scripts/test.sh run it);
an app started without it (a Hugging Face Space installs requirements.txt only) fetches
it in the background at start-up, and the room says why voice cannot start meanwhile.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import io
import json
import logging
import os
import sys
import tarfile
import threading
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

from mockflow.config import (
    LIVEKIT_CLIENT_BUNDLED,
    LIVEKIT_CLIENT_CDN,
    LIVEKIT_CLIENT_SRI,
    LIVEKIT_CLIENT_TARBALL_INTEGRITY,
    LIVEKIT_CLIENT_VERSION,
    NPM_REGISTRY,
    Settings,
    npm_registry,
)
from mockflow.errors import MockflowError

log = logging.getLogger(__name__)

MEMBER = "package/dist/livekit-client.umd.js"
MAX_TARBALL_BYTES = 50 * 1024 * 1024
FETCH_TIMEOUT = 20.0  # seconds per network read; a Space's start-up waits for none of it


class LivekitClientFetchError(MockflowError):
    """The app's copy of livekit-client could not be fetched or failed its checks."""


def tarball_url(registry: str = NPM_REGISTRY) -> str:
    version = LIVEKIT_CLIENT_VERSION
    return f"{registry.rstrip('/')}/livekit-client/-/livekit-client-{version}.tgz"


def matches(data: bytes, integrity: str) -> bool:
    """Whether `data` has the Subresource-Integrity-style hash `integrity` (sha384-…)."""
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    return digest == expected


def is_installed(path: Path | None = None) -> bool:
    path = path or LIVEKIT_CLIENT_BUNDLED
    return path.is_file() and matches(path.read_bytes(), LIVEKIT_CLIENT_SRI)


def fetch(
    destination: Path = LIVEKIT_CLIENT_BUNDLED,
    registry: str = NPM_REGISTRY,
    *,
    timeout: float = FETCH_TIMEOUT,
    integrity: str | None = None,
    sri: str | None = None,
) -> Path:
    """Download the pinned tarball, check it, and write its UMD build to `destination`
    (whole or not at all: a `.part` file renamed into place)."""
    integrity = integrity or LIVEKIT_CLIENT_TARBALL_INTEGRITY
    sri = sri or LIVEKIT_CLIENT_SRI
    url = tarball_url(registry)
    tarball = _download(url, timeout)
    if not matches(tarball, integrity):
        raise LivekitClientFetchError(
            f"The livekit-client {LIVEKIT_CLIENT_VERSION} package from {url} does not match "
            "its published integrity hash (a changed or cut-off download); nothing was written."
        )
    script = _umd_build(tarball, url)
    if not matches(script, sri):
        raise LivekitClientFetchError(
            f"The livekit-client script in {url} does not match its pinned SRI hash; "
            "nothing was written."
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(f"{destination.name}.{os.getpid()}.part")
    try:
        part.write_bytes(script)
        os.replace(part, destination)
    finally:
        part.unlink(missing_ok=True)
    return destination


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "mockflow"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read(MAX_TARBALL_BYTES + 1)
            expected = response.headers.get("Content-Length")
    except urllib.error.HTTPError as exc:
        raise LivekitClientFetchError(
            f"The npm registry answered HTTP {exc.code} for {url}."
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc.__class__.__name__
        raise LivekitClientFetchError(f"Could not download {url}: {reason}.") from None
    if len(data) > MAX_TARBALL_BYTES:
        raise LivekitClientFetchError(f"{url} is larger than any livekit-client package.")
    if expected and expected.isdigit() and int(expected) != len(data):
        raise LivekitClientFetchError(
            f"Could not download {url}: the download stopped at {len(data)} of {expected} bytes."
        )
    return data


def _umd_build(tarball: bytes, url: str) -> bytes:
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            member = archive.extractfile(MEMBER)
            if member is None:
                raise KeyError(MEMBER)
            return member.read()
    except (tarfile.TarError, KeyError, OSError, EOFError):
        raise LivekitClientFetchError(f"{url} holds no {MEMBER}.") from None


def room_script(url: str) -> str:
    """The room component's script (room.js), told where to load livekit-client from and,
    for the pinned CDN build, its SRI hash. room.js loads it itself, so that a script that
    cannot load is explained instead of leaving the room waiting. Set here, in the script,
    because the component's props are replaced by each update the app sends it."""
    library = {
        "src": url,
        "integrity": LIVEKIT_CLIENT_SRI if url == LIVEKIT_CLIENT_CDN else "",
    }
    room = resources.files("mockflow.ui").joinpath("static", "room.js").read_text("utf-8")
    return f"const LIBRARY = {json.dumps(library)};\n{room}"


def fetch_in_background(settings: Settings) -> threading.Thread | None:
    """At start-up: fetch the app's copy if it is the one configured and it is missing
    (or stale), without holding up the start; the outcome goes to the log."""
    path = Path(settings.livekit_client_path or "")
    if path != LIVEKIT_CLIENT_BUNDLED or is_installed(path):
        return None

    def run() -> None:
        log.info(
            "fetching livekit-client %s from %s", LIVEKIT_CLIENT_VERSION, settings.npm_registry
        )
        try:
            fetch(path, settings.npm_registry)
        except (LivekitClientFetchError, OSError) as exc:
            log.warning(
                "voice cannot start until livekit-client is in place: %s Run "
                "`python -m mockflow.ui.livekit_js`, or set MOCKFLOW_LIVEKIT_JS=cdn.",
                exc,
            )
            return
        log.info("livekit-client %s is in place: %s", LIVEKIT_CLIENT_VERSION, path)

    thread = threading.Thread(target=run, name="livekit-client-fetch", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mockflow.ui.livekit_js",
        description=f"Fetch livekit-client {LIVEKIT_CLIENT_VERSION} from npm into the app "
        "(the voice room's script, served by the app itself).",
    )
    parser.add_argument("--registry", help="npm registry (default: npm_config_registry or npm's)")
    parser.add_argument("--force", action="store_true", help="fetch even if it is in place")
    args = parser.parse_args(argv)
    if is_installed() and not args.force:
        print(f"livekit-client {LIVEKIT_CLIENT_VERSION} is in place: {LIVEKIT_CLIENT_BUNDLED}")
        return 0
    try:
        path = fetch(registry=args.registry or npm_registry(os.environ))
    except LivekitClientFetchError as exc:
        print(
            f"mockflow: {exc} Voice mode needs this script: try again, or set "
            f"MOCKFLOW_LIVEKIT_JS=cdn to have browsers load it from {_host()}.",
            file=sys.stderr,
        )
        return 1
    print(f"livekit-client {LIVEKIT_CLIENT_VERSION} fetched and checked: {path}")
    return 0


def _host() -> str:
    return LIVEKIT_CLIENT_CDN.split("/")[2]


if __name__ == "__main__":
    sys.exit(main())
