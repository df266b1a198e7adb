"""The voice room's script: its pins agree with npm's lock file, and the room component
is told where to load it from (with the SRI hash only for the pinned CDN build)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from mockflow.config import (
    LIVEKIT_CLIENT_CDN,
    LIVEKIT_CLIENT_SRI,
    LIVEKIT_CLIENT_TARBALL_INTEGRITY,
    LIVEKIT_CLIENT_VERSION,
)
from mockflow.ui.livekit_js import is_installed, matches, room_script

LOCK = Path(__file__).resolve().parents[2] / "browser" / "package-lock.json"


def test_the_pins_are_npms_own_for_that_version():
    package = json.loads(LOCK.read_text("utf-8"))["packages"]["node_modules/livekit-client"]
    assert package["version"] == LIVEKIT_CLIENT_VERSION
    assert package["integrity"] == LIVEKIT_CLIENT_TARBALL_INTEGRITY


def test_hashes_are_compared_as_subresource_integrity():
    data = b"window.LivekitClient = {};"
    digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
    assert matches(data, f"sha384-{digest}")
    assert not matches(data + b" ", f"sha384-{digest}")


def test_a_changed_or_missing_copy_is_not_in_place(tmp_path):
    assert not is_installed(tmp_path / "missing.js")
    changed = tmp_path / "livekit-client.umd.js"
    changed.write_text("window.LivekitClient = {};")
    assert not is_installed(changed)


def test_the_room_gets_the_sri_hash_only_for_the_pinned_cdn_build():
    cdn = room_script(LIVEKIT_CLIENT_CDN)
    assert cdn.startswith(
        f'const LIBRARY = {{"src": "{LIVEKIT_CLIENT_CDN}", "integrity": "{LIVEKIT_CLIENT_SRI}"}};\n'
    )
    own = room_script("/gradio_api/file=/srv/livekit-client.umd.js")
    assert own.startswith(
        'const LIBRARY = {"src": "/gradio_api/file=/srv/livekit-client.umd.js", "integrity": ""};'
    )
    assert "function loadLibrary()" in own  # the room's own script follows
