"""The Settings tab's line about the app's own local voice server."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mockflow.app.keys import KeyCheck, KeyStatus
from mockflow.config import Settings
from mockflow.launch.livekit.embedded import INSTALL_HINT, VoiceServerStatus, not_installed
from mockflow.store.vault import ProviderKeys, ResolvedKeys
from mockflow.ui.tabs import settings as settings_tab
from mockflow.ui.tabs.settings import FIELD_ORDER, voice_server_line


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


class _Vault:
    def __init__(self, keys: ProviderKeys) -> None:
        self.keys = keys

    def resolve_keys(self, user_id: str) -> ResolvedKeys:
        return ResolvedKeys(self.keys)

    def update_keys(self, user_id: str, changes: dict[str, str | None]) -> None:
        self.keys = replace(self.keys, **{k: v for k, v in changes.items() if v is not None})


@dataclass
class _KeyServices:
    vault: _Vault
    settings: Settings
    local_models: object = None  # this server offers no local models
    voice: VoiceServerStatus | None = None  # the app's own LiveKit server, if any

    def voice_status(self) -> VoiceServerStatus | None:
        return self.voice


def _form(**typed: str) -> list[str]:
    return [typed.get(name, "") for name in FIELD_ORDER]


def test_check_keys_checks_what_is_typed_and_says_whether_it_was_saved(monkeypatch, tmp_path):
    checked: list[ProviderKeys] = []

    async def fake_check_all(keys: ProviderKeys, **_: object) -> dict[str, KeyCheck]:
        checked.append(keys)
        return {
            "openai": KeyCheck("openai", KeyStatus.MODEL_UNLISTED, "No model 'gpt-9'."),
            "deepgram": KeyCheck("deepgram", KeyStatus.NOT_SET, "No Deepgram key set."),
            "livekit": KeyCheck("livekit", KeyStatus.VALID, "LiveKit accepted the key."),
        }

    monkeypatch.setattr(settings_tab, "check_all", fake_check_all)
    services = _KeyServices(_Vault(ProviderKeys(openai_api_key="sk-saved")), Settings(tmp_path))
    typed = settings_tab.check_keys(services, "local", *_form(openai_api_key="sk-typed"))  # type: ignore[arg-type]
    assert checked[-1].openai_api_key == "sk-typed" and "not saved yet" in typed
    assert "- **OpenAI**: ⚠️ Works, with a warning. No model 'gpt-9'." in typed
    assert "- **LiveKit**: ✓ Works." in typed
    saved = settings_tab.check_keys(services, "local", *_form())  # type: ignore[arg-type]
    assert checked[-1].openai_api_key == "sk-saved" and "your saved keys" in saved


def test_the_page_load_fills_what_is_stored_without_clearing_what_was_typed(tmp_path):
    """A visitor who types a key while the page is still loading keeps it; after Save the
    secret fields empty (the key is stored) and show its masked end."""
    stored = ProviderKeys(openai_base_url="http://llm.example/v1", openai_api_key="sk-123456789")
    services = _KeyServices(_Vault(stored), Settings(tmp_path))
    on_load = dict(zip(FIELD_ORDER, settings_tab.settings_on_load(services, "u1"), strict=False))  # type: ignore[arg-type]
    assert "value" not in on_load["openai_api_key"]  # typed text stays
    assert "value" not in on_load["livekit_url"]  # nothing stored: left as typed
    assert on_load["openai_base_url"]["value"] == "http://llm.example/v1"
    masked = stored.masked()["openai_api_key"]
    assert on_load["openai_api_key"]["placeholder"] == masked != "not set"

    after_save = dict(zip(FIELD_ORDER, settings_tab.show_settings(services, "u1"), strict=False))  # type: ignore[arg-type]
    assert after_save["openai_api_key"]["value"] == ""
    assert after_save["livekit_url"]["value"] == ""


def test_check_keys_says_voice_uses_the_local_server_when_no_livekit_keys_are_set(
    monkeypatch, tmp_path
):
    async def fake_check_all(keys: ProviderKeys, **_: object) -> dict[str, KeyCheck]:
        return {
            "openai": KeyCheck("openai", KeyStatus.VALID, "OpenAI accepted the key."),
            "deepgram": KeyCheck("deepgram", KeyStatus.NOT_SET, "No Deepgram key set."),
            "livekit": KeyCheck("livekit", KeyStatus.NOT_SET, "No LiveKit keys set."),
        }

    monkeypatch.setattr(settings_tab, "check_all", fake_check_all)
    running = VoiceServerStatus("running", "Voice server: local LiveKit server running.", "ws://x")
    services = _KeyServices(_Vault(ProviderKeys()), Settings(tmp_path), voice=running)
    shown = settings_tab.check_keys(services, "local", *_form())  # type: ignore[arg-type]
    assert "- **LiveKit**: ✓ Uses this app's own local LiveKit server" in shown
    assert "Not set" not in shown.split("**LiveKit**")[1]
    services.voice = None  # a public link, or no local server: the keys are the user's
    assert "- **LiveKit**: – Not set." in settings_tab.check_keys(services, "local", *_form())  # type: ignore[arg-type]


def test_saving_clears_the_results_of_an_earlier_check(tmp_path):
    services = _KeyServices(_Vault(ProviderKeys()), Settings(tmp_path))
    message, results = settings_tab.save_settings(
        services,  # type: ignore[arg-type]
        "local",
        *_form(openai_api_key="sk-new"),
    )
    assert message.startswith("✓ Saved") and results == ""
    assert services.vault.keys.openai_api_key == "sk-new"
