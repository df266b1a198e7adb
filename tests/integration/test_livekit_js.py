"""Fetching the voice room's livekit-client from an npm registry (a loopback HTTP server
serving a real .tgz built here): only a tarball with the pinned integrity, holding a
script with the pinned SRI hash, is written, and then whole; every other case is named
and leaves nothing behind."""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockflow.config import LIVEKIT_CLIENT_VERSION, Settings
from mockflow.ui import livekit_js
from mockflow.ui.livekit_js import LivekitClientFetchError, fetch, tarball_url

pytestmark = pytest.mark.integration

SCRIPT = b"window.LivekitClient = {version: 'test'};\n"


def _sri(algorithm: str, data: bytes) -> str:
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


GOOD = _tarball({"package/package.json": b"{}", "package/dist/livekit-client.umd.js": SCRIPT})
TARBALL_PATH = f"/livekit-client/-/livekit-client-{LIVEKIT_CLIENT_VERSION}.tgz"


class Registry:
    """A loopback npm registry: `body` at the pinned tarball's path, or 404; `cut` sends
    a Content-Length longer than the body (a download cut off)."""

    def __init__(self) -> None:
        self.body: bytes | None = GOOD
        self.cut = False
        self.requests: list[str] = []
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests.append(self.path)
                if self.path != TARBALL_PATH or registry.body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                length = len(registry.body) * (2 if registry.cut else 1)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(registry.body)
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def registry() -> Iterator[Registry]:
    server = Registry()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _fetch(registry: Registry, destination: Path, **pins: str) -> Path:
    pins = {"integrity": _sri("sha512", GOOD), "sri": _sri("sha384", SCRIPT), **pins}
    return fetch(destination, registry.url + "/", timeout=10, **pins)


def test_a_good_tarball_gives_exactly_its_script(registry, tmp_path):
    destination = tmp_path / "vendor" / "livekit-client.umd.js"
    assert _fetch(registry, destination) == destination
    assert destination.read_bytes() == SCRIPT
    assert registry.requests == [TARBALL_PATH]  # the pinned version, at npm's path
    assert [p.name for p in destination.parent.iterdir()] == [destination.name]


def test_a_tarball_with_another_integrity_is_refused(registry, tmp_path):
    registry.body = _tarball({"package/dist/livekit-client.umd.js": b"alert('changed')"})
    destination = tmp_path / "livekit-client.umd.js"
    with pytest.raises(LivekitClientFetchError, match="does not match its published integrity"):
        _fetch(registry, destination)
    assert not tmp_path.joinpath("livekit-client.umd.js").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_script_with_another_hash_is_refused(registry, tmp_path):
    with pytest.raises(LivekitClientFetchError, match="does not match its pinned SRI hash"):
        _fetch(registry, tmp_path / "x.js", sri=_sri("sha384", b"another script"))
    assert list(tmp_path.iterdir()) == []


def test_a_cut_off_download_is_refused(registry, tmp_path):
    registry.cut = True
    with pytest.raises(LivekitClientFetchError, match=r"Could not download .*livekit-client"):
        _fetch(registry, tmp_path / "x.js")
    registry.cut, registry.body = False, GOOD[: len(GOOD) // 2]  # no length to go by
    with pytest.raises(LivekitClientFetchError, match="does not match its published integrity"):
        _fetch(registry, tmp_path / "x.js", integrity=_sri("sha512", GOOD))
    assert list(tmp_path.iterdir()) == []


def test_a_missing_version_is_named(registry, tmp_path):
    registry.body = None
    with pytest.raises(LivekitClientFetchError, match="answered HTTP 404 for http://127.0.0.1"):
        _fetch(registry, tmp_path / "x.js")
    assert list(tmp_path.iterdir()) == []


def test_a_tarball_without_the_script_is_named(registry, tmp_path):
    registry.body = _tarball({"package/package.json": b"{}"})
    with pytest.raises(LivekitClientFetchError, match="holds no package/dist/livekit-client"):
        _fetch(registry, tmp_path / "x.js", integrity=_sri("sha512", registry.body))


def test_an_unreachable_registry_is_named(tmp_path):
    server = Registry()
    url = server.url
    server.server.shutdown()
    server.server.server_close()
    with pytest.raises(LivekitClientFetchError, match="Could not download"):
        fetch(tmp_path / "x.js", url, timeout=10)


def test_a_replaced_file_is_whole_and_the_old_one_is_kept_on_failure(registry, tmp_path):
    destination = tmp_path / "livekit-client.umd.js"
    destination.write_bytes(b"old")
    registry.body = None
    with pytest.raises(LivekitClientFetchError):
        _fetch(registry, destination)
    assert destination.read_bytes() == b"old"
    registry.body = GOOD
    _fetch(registry, destination)
    assert destination.read_bytes() == SCRIPT


def test_the_app_fetches_its_missing_copy_at_start_up_in_the_background(
    registry, tmp_path, monkeypatch
):
    bundled = tmp_path / "vendor" / "livekit-client.umd.js"
    monkeypatch.setattr(livekit_js, "LIVEKIT_CLIENT_BUNDLED", bundled)
    monkeypatch.setattr(livekit_js, "LIVEKIT_CLIENT_TARBALL_INTEGRITY", _sri("sha512", GOOD))
    monkeypatch.setattr(livekit_js, "LIVEKIT_CLIENT_SRI", _sri("sha384", SCRIPT))
    settings = Settings(livekit_client_path=str(bundled), npm_registry=registry.url)
    thread = livekit_js.fetch_in_background(settings)
    assert thread is not None
    thread.join(timeout=60)
    assert bundled.read_bytes() == SCRIPT
    assert livekit_js.fetch_in_background(settings) is None  # in place: nothing to do
    other = Settings(livekit_client_path=str(tmp_path / "mine.js"), npm_registry=registry.url)
    assert livekit_js.fetch_in_background(other) is None  # the operator's own file
    assert registry.requests == [TARBALL_PATH]


def test_the_url_follows_npms_layout():
    assert tarball_url("https://registry.npmjs.org/") == (
        f"https://registry.npmjs.org/livekit-client/-/livekit-client-{LIVEKIT_CLIENT_VERSION}.tgz"
    )
