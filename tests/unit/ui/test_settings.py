"""The Settings tab's line about the app's own local voice server."""

from __future__ import annotations

from dataclasses import dataclass

from mockflow.launch.livekit.embedded import INSTALL_HINT, VoiceServerStatus, not_installed
from mockflow.ui.tabs.settings import voice_server_line


@dataclass
class _Services:
    status: VoiceServerStatus | None

    def voice_status(self) -> VoiceServerStatus | None:
        return self.status


def test_the_line_says_where_the_local_server_runs_or_what_to_install() -> None:
    running = VoiceServerStatus(
        "running", "Voice server: local LiveKit server running (ws://127.0.0.1:7880).", "ws://x"
    )
    assert voice_server_line(_Services(running)).startswith("✓ Voice server: local LiveKit")  # type: ignore[arg-type]
    assert INSTALL_HINT in voice_server_line(_Services(not_installed()))  # type: ignore[arg-type]
    failed = VoiceServerStatus("failed", "port 7880 on 127.0.0.1 is in use.")
    assert voice_server_line(_Services(failed)).startswith("⚠️")  # type: ignore[arg-type]
    assert voice_server_line(_Services(None)) == ""  # type: ignore[arg-type]  # public link
