"""What Settings shows for each local model role: a state and one plain sentence.

States: not_installed (its Python packages or its model file are missing — the message says
what and how to get it), ready (it starts on first use), starting, running, failed (with
the reason). Built from facts the manager already has: no network, no hashing.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockflow.localmodels.catalog import INSTALL_COMMAND
from mockflow.localmodels.locate import Located
from mockflow.localmodels.supervised import ChildStatus

LABELS = {"llm": "Local language model", "stt": "Local speech-to-text", "tts": "Local voice"}
ENGINES = {"llm": "llama.cpp", "stt": "faster-whisper", "tts": "Piper"}
RESTARTED = " It stopped unexpectedly once and was restarted."


@dataclass(frozen=True)
class RoleStatus:
    state: str  # not_installed | ready | starting | running | failed
    message: str


def describe(
    role: str,
    located: Located,
    *,
    missing: list[str],
    servers: list[ChildStatus],
    refused: str | None = None,
    ollama: tuple[str, str] | None = None,  # (model, host:port) when Ollama serves the role
) -> RoleStatus:
    label = LABELS[role]
    if ollama is not None:
        return RoleStatus("running", f"{label}: {ollama[0]} running on Ollama ({ollama[1]}).")
    if refused is not None:
        return RoleStatus("failed", f"{label}: {refused}")
    name = _model_name(located)
    if servers:
        return _from_servers(label, role, name, servers)
    if missing:
        return RoleStatus(
            "not_installed",
            f"{label}: {ENGINES[role]} is not installed (missing Python packages: "
            f"{', '.join(missing)}). Install them with: {INSTALL_COMMAND}"
            + (", or run Ollama." if role == "llm" else ""),
        )
    if located.source == "download":
        spec = located.spec
        how = "it is downloaded" if spec.downloads else "its package is installed"
        return RoleStatus(
            "not_installed",
            f"{label}: {name} ({spec.size_mb} MB, {spec.licence}) is not on this computer yet; "
            f"it can be used once {how} (Prepare local models).",
        )
    if located.source == "settings" and not located.path.exists():
        return RoleStatus(
            "not_installed", f"{label}: {located.path} (from Settings) does not exist."
        )
    return RoleStatus("ready", f"{label}: {name} on {ENGINES[role]}; starts on first use.")


def _from_servers(label: str, role: str, name: str, servers: list[ChildStatus]) -> RoleStatus:
    failed = next((s for s in servers if s.state == "failed"), None)
    if failed is not None:
        return RoleStatus("failed", f"{label} failed: {failed.reason}")
    if any(s.state == "starting" for s in servers):
        again = any(s.restarts for s in servers)
        verb = "restarting after it stopped unexpectedly" if again else "starting"
        return RoleStatus("starting", f"{label}: {name} {verb}…")
    if all(s.state == "running" for s in servers):
        front = servers[-1]  # the server the app talks to
        engine = f" on {ENGINES[role]}" if role == "llm" else ""
        message = f"{label}: {name} running{engine} (127.0.0.1:{front.port})."
        if any(s.restarts for s in servers):
            message += RESTARTED
        return RoleStatus("running", message)
    return RoleStatus("ready", f"{label}: {name} is stopped; it starts on next use.")


def _model_name(located: Located) -> str:
    if located.source == "settings":
        return located.path.name
    return located.spec.display_name
