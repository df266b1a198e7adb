"""The agent's environment: a short allow-list, never a copy of the app's.

The app's environment may hold the master key or provider keys; an agent receives its
keys only inside the launch spec on stdin. The marker identifies agents started for one
data directory, so orphans can be verified before they are stopped.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from mockflow.private_files import make_private_dir

MARKER_VAR = "MOCKFLOW_AGENT_MARKER"
MARKER_FILE = "agent.marker"
# Process plumbing only: nothing here may carry a credential. Proxy variables are left
# out on purpose because they often embed one (http://user:pass@host).
PASSTHROUGH = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "PYTHONPATH",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "MOCKFLOW_VOICE_AUDIO",  # the latency bench's audio-path overrides (agent/audio_path.py)
)


def child_environment(parent: Mapping[str, str], *, marker: str, log_level: str) -> dict[str, str]:
    """The environment of an agent process, built from the allow-listed part of `parent`."""
    env = {name: parent[name] for name in PASSTHROUGH if parent.get(name)}
    env.setdefault("PATH", os.defpath)
    if "LANG" not in env and "LC_ALL" not in env:
        env["LANG"] = "C.UTF-8"
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONUTF8"] = "1"
    env["LOG_LEVEL"] = log_level
    env[MARKER_VAR] = marker
    return env


def load_or_create_marker(data_dir: Path) -> str:
    """The marker of this data directory, created on first use (mode 0600)."""
    path = Path(data_dir) / MARKER_FILE
    make_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        marker = path.read_text(encoding="ascii").strip()
        if marker:
            return marker
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    marker = secrets.token_hex(16)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(marker + "\n")
    return marker
