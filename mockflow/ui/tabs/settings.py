"""Settings tab: bring your own keys, check them live, forget them, delete your data.

Secret fields are never filled with stored values: they start empty and show the masked
stored value as a placeholder; an empty field on save keeps what is stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.app.keys import check_all
from mockflow.app.local_providers import with_local_defaults
from mockflow.errors import MockflowError
from mockflow.net.guard import NetGuard
from mockflow.store.vault import KeysUndecryptableError, ProviderKeys
from mockflow.ui.common import PROVIDER_CALLS, require_user
from mockflow.ui.services import AppServices
from mockflow.ui.tabs import history as history_tab
from mockflow.ui.tabs import setup as setup_tab
from mockflow.ui.tabs.practice import practice_id_of

if TYPE_CHECKING:
    from mockflow.ui.page import Page

SECRET_FIELDS = ("livekit_api_key", "livekit_api_secret", "openai_api_key", "deepgram_api_key")
PLAIN_FIELDS = (
    "livekit_url",
    "openai_base_url",
    "openai_model",
    "stt_provider",
    "tts_voice",
    "models",
    "tts_provider",
)
FIELD_ORDER = (
    "models",
    "livekit_url",
    "livekit_api_key",
    "livekit_api_secret",
    "openai_api_key",
    "openai_base_url",
    "openai_model",
    "deepgram_api_key",
    "stt_provider",
    "tts_provider",
    "tts_voice",
)
MODEL_CHOICES = [
    ("Local models — no account (runs on this computer)", "local"),
    ("My own keys: OpenAI or an OpenAI-compatible server", "keys"),
]
STT_CHOICES = [
    ("Local Whisper — no account", "local"),
    ("Deepgram", "deepgram"),
    ("Use OpenAI for speech-to-text", "openai"),
]
TTS_CHOICES = [("Local voice (Piper) — no account", "local"), ("OpenAI voice", "openai")]
VOICES = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer"]
CHECK_ICONS = {
    "valid": "✓ Works",
    "model_unlisted": "⚠️ Works, with a warning",
    "not_set": "– Not set",
}
PROVIDER_NAMES = {"openai": "OpenAI", "deepgram": "Deepgram", "livekit": "LiveKit"}
COACH_OFFER = (
    "**Coaching someone?** The Coach tab makes practice links for your candidates and shows "
    "the reports they share with you. It stays once you have made a link."
)
STORAGE_NOTE = (
    "Your keys are encrypted on this server (in its data folder) and sent only to your own "
    "providers: OpenAI or your OpenAI-compatible server, Deepgram and LiveKit."
)


@dataclass
class SettingsTab:
    inputs: dict[str, gr.components.Component]
    stored: gr.Markdown
    save: gr.Button
    check: gr.Button
    results: gr.Markdown
    forget: gr.Button
    delete_confirm: gr.Checkbox
    delete: gr.Button
    message: gr.Markdown
    voice_server: gr.Markdown
    local_status: gr.Markdown
    prepare: gr.Button
    local_group: gr.Column
    coach_offer: gr.Column  # on one's own machine: the Coach tab, for who coaches others
    show_coach: gr.Button

    def ordered_inputs(self) -> list:
        return [self.inputs[name] for name in FIELD_ORDER]


def build_settings_tab() -> SettingsTab:
    gr.Markdown(STORAGE_NOTE)
    inputs: dict[str, gr.components.Component] = {}
    with gr.Column(visible=False, variant="panel", elem_id="mf-local-models") as local_group:
        inputs["models"] = gr.Radio(
            MODEL_CHOICES, value="local", label="Interviewer model", elem_id="mf-models"
        )
        local_status = gr.Markdown(elem_id="mf-local-status")
        prepare = gr.Button(
            "Prepare local models", size="sm", variant="secondary", elem_id="mf-prepare-local"
        )
    with gr.Row(equal_height=False):
        with gr.Column():
            gr.Markdown("### Language model (text and voice)")
            inputs["openai_api_key"] = gr.Textbox(label="OpenAI API key", type="password")
            inputs["openai_base_url"] = gr.Textbox(
                label="OpenAI-compatible base URL (optional)",
                placeholder="e.g. http://localhost:11434/v1 for Ollama; empty for OpenAI",
            )
            inputs["openai_model"] = gr.Textbox(label="Model", placeholder="gpt-4o-mini")
            gr.Markdown("### Speech (voice mode)")
            inputs["stt_provider"] = gr.Radio(STT_CHOICES, value="deepgram", label="Speech-to-text")
            inputs["deepgram_api_key"] = gr.Textbox(label="Deepgram API key", type="password")
            inputs["tts_provider"] = gr.Radio(
                TTS_CHOICES, value="openai", label="Interviewer's voice"
            )
            inputs["tts_voice"] = gr.Dropdown(VOICES, value="alloy", label="OpenAI voice")
        with gr.Column():
            gr.Markdown("### LiveKit (voice mode)")
            voice_server = gr.Markdown(elem_id="mf-voice-server")
            inputs["livekit_url"] = gr.Textbox(
                label="LiveKit URL", placeholder="wss://….livekit.cloud"
            )
            inputs["livekit_api_key"] = gr.Textbox(label="LiveKit API key", type="password")
            inputs["livekit_api_secret"] = gr.Textbox(label="LiveKit API secret", type="password")
            stored = gr.Markdown(elem_classes="mf-stored")
    with gr.Row():
        save = gr.Button("Save keys", variant="primary")
        check = gr.Button("Check keys")
    results = gr.Markdown(elem_classes="mf-checks")
    message = gr.Markdown(elem_id="mf-settings-message")
    with gr.Column(visible=False) as coach_offer:
        gr.Markdown(COACH_OFFER)
        show_coach = gr.Button("Show the Coach tab", size="sm", elem_id="mf-show-coach")
    with gr.Accordion("Forget keys or delete my data", open=False):
        forget = gr.Button("Forget my keys", variant="secondary")
        delete_confirm = gr.Checkbox(
            label="Yes, delete all my interviews, reports and keys from this server"
        )
        delete = gr.Button("Delete my data", variant="stop")
    tab = SettingsTab(
        inputs,
        stored,
        save,
        check,
        results,
        forget,
        delete_confirm,
        delete,
        message,
        voice_server,
        local_status,
        prepare,
        local_group,
        coach_offer,
        show_coach,
    )
    return tab


def _stored_keys(services: AppServices, user_id: str) -> tuple[ProviderKeys, str]:
    try:
        resolved = services.vault.resolve_keys(user_id)
    except KeysUndecryptableError as exc:
        return ProviderKeys(), f"⚠️ {exc}"
    note = ""
    if resolved.from_env:
        note = "\n\nSome values come from this server's environment (local use only)."
    return resolved.keys, note


def show_settings(services: AppServices, user_id: str | None) -> list:
    """Values for the form after a change: plain fields as stored, secret fields emptied
    (what was typed is saved) with masked placeholders."""
    return _settings_form(services, user_id, after_change=True)


def settings_on_load(services: AppServices, user_id: str | None) -> list:
    """The form at page load: what is stored is filled in, but nothing a visitor already
    typed while the page was loading is cleared."""
    return _settings_form(services, user_id, after_change=False)


def _settings_form(services: AppServices, user_id: str | None, *, after_change: bool) -> list:
    if not user_id:
        return [gr.update() for _ in FIELD_ORDER] + [""]
    keys, note = _stored_keys(services, user_id)
    if services.local_models is not None:  # an unset role is local: show it so
        keys = with_local_defaults(keys)
    masked = keys.masked()
    updates = []
    for name in FIELD_ORDER:
        stored = getattr(keys, name) or ""
        if name in SECRET_FIELDS:
            placeholder = masked[name] or "not set"
            if after_change:  # what was typed is saved now
                updates.append(gr.update(value="", placeholder=placeholder))
            else:
                updates.append(gr.update(placeholder=placeholder))
        elif stored or after_change:
            updates.append(gr.update(value=stored or _DEFAULTS.get(name, "")))
        else:
            updates.append(gr.update())
    rows = [f"- {label}: `{masked[name] or 'not set'}`" for name, label in _LABELS.items()]
    return [*updates, "**Stored now**\n\n" + "\n".join(rows) + note]


_DEFAULTS = {
    "stt_provider": "deepgram",
    "tts_voice": "alloy",
    "models": "keys",
    "tts_provider": "openai",
}
_LOCAL_CHOICES = {"models": "local", "stt_provider": "local", "tts_provider": "local"}

_LABELS = {
    "openai_api_key": "OpenAI key",
    "openai_base_url": "Base URL",
    "deepgram_api_key": "Deepgram key",
    "livekit_url": "LiveKit URL",
    "livekit_api_key": "LiveKit key",
    "livekit_api_secret": "LiveKit secret",
}


def save_settings(services: AppServices, user_id: str | None, *values: str) -> tuple[str, str]:
    """(message, check results): saving clears the results of an earlier check."""
    user = require_user(user_id)
    changes: dict[str, str | None] = {}
    for name, value in zip(FIELD_ORDER, values, strict=True):
        value = (value or "").strip()
        if name in SECRET_FIELDS:
            changes[name] = value or None  # empty keeps the stored secret
        else:
            changes[name] = value
    if services.local_models is None:  # not offered here: a forged choice is dropped
        for name, value in _LOCAL_CHOICES.items():
            if changes.get(name) == value:
                changes[name] = ""
    url = changes.get("livekit_url") or ""
    if url and not url.startswith(("wss://", "ws://", "https://", "http://")):
        raise gr.Error("The LiveKit URL should start with wss:// (or ws:// for a local server).")
    services.vault.update_keys(user, changes)
    # an earlier check's results described the keys as they were: they go
    return "✓ Saved. Use **Check keys** to test them against your providers.", ""


def check_keys(services: AppServices, user_id: str | None, *values: str) -> str:
    """Check the keys as the form shows them: what is typed, else what is saved."""
    user = require_user(user_id)
    stored, note = _stored_keys(services, user)
    typed = _typed(values)
    if note.startswith("⚠️") and not typed:
        return note
    keys = replace(ProviderKeys() if note.startswith("⚠️") else stored, **typed)
    results = asyncio.run(
        check_all(
            keys,
            deepgram_base_url=services.settings.users_deepgram_url,
            guard=NetGuard.from_settings(services.settings),
        )
    )
    shown = {"stt_provider": "deepgram", "tts_voice": "alloy"}  # what the form shows for unset
    changed = any(
        (getattr(stored, name) or shown.get(name)) != value for name, value in typed.items()
    )
    what = "what is typed above (not saved yet)" if changed else "your saved keys"
    lines = [f"Checked {what}:", ""]
    for provider in ("openai", "deepgram", "livekit"):
        check = results[provider]
        status = CHECK_ICONS.get(check.status.value, f"✗ {check.status.value.replace('_', ' ')}")
        line = f"- **{PROVIDER_NAMES[provider]}**: {status}. {check.message}"
        if provider == "livekit" and check.status.value == "not_set" and _local_voice(services):
            line = f"- **LiveKit**: ✓ {LOCAL_LIVEKIT}"  # no keys of yours: none are needed
        lines.append(line)
    return "\n".join(lines)


LOCAL_LIVEKIT = "Uses this app's own local LiveKit server (no LiveKit keys needed)."


def _local_voice(services: AppServices) -> bool:
    """The app's own local LiveKit server runs: voice without LiveKit keys uses it."""
    status = services.voice_status()
    return status is not None and status.state == "running"


def _typed(values: tuple[str, ...]) -> dict[str, str]:
    """The form's non-empty values by field (an empty secret field means "the saved one")."""
    typed = {name: (value or "").strip() for name, value in zip(FIELD_ORDER, values, strict=True)}
    return {name: value for name, value in typed.items() if value}


def forget_keys(services: AppServices, user_id: str | None) -> str:
    services.vault.forget_keys(require_user(user_id))
    return "✓ Your stored keys are gone from this server."


def delete_my_data(services: AppServices, user_id: str | None, confirmed: bool) -> str:
    user = require_user(user_id)
    if not confirmed:
        raise gr.Error("Tick the confirmation box first: this cannot be undone.")
    active = services.interviews.active_session(user)
    if active is not None:
        services.interviews.end(user, active.id)
    services.vault.delete_user_data(user)
    return "✓ All your interviews, reports and keys were deleted from this server."


def local_models_panel(services: AppServices) -> tuple[Any, str]:
    """The local-models choice, shown only where the app offers them, with each role's state."""
    if services.local_models is None:
        return gr.update(visible=False), ""
    return gr.update(visible=True), local_models_line(services)


def local_models_line(services: AppServices) -> str:
    if services.local_models is None:
        return ""
    marks = {"running": "✓", "ready": "✓", "failed": "⚠️", "not_installed": "ℹ️"}
    lines = [
        f"- {marks.get(status.state, '…')} {status.message}"
        for status in services.local_models.status().values()
    ]
    return (
        "Nothing leaves this computer: the interviewer's model, speech-to-text and voice run "
        "here (about 1 GB of model files; a first start takes a few seconds).\n\n"
        + "\n".join(lines)
    )


def prepare_local_models(
    services: AppServices, user_id: str | None, progress: gr.Progress = gr.Progress()
) -> str:
    """Join, check or download the local models' files, with a progress bar."""
    require_user(user_id)
    if services.local_models is None:
        raise gr.Error("This server does not offer local models.")
    bar = progress

    def report(what: str, done: int, total: int) -> None:
        if total:
            bar(done / total, desc=f"{what}: {done / 1e6:,.0f} of {total / 1e6:,.0f} MB")

    try:
        services.local_models.prepare(report)
    except MockflowError as exc:
        raise gr.Error(str(exc)) from None
    return local_models_line(services)


def speech_choices_for(models: str) -> tuple[Any, Any]:
    """Choosing local models moves speech-to-text and the voice to local ones too (each
    can still be changed); choosing your own keys moves them back."""
    if models == "local":
        return gr.update(value="local"), gr.update(value="local")
    return gr.update(value="deepgram"), gr.update(value="openai")


def coach_offer_visible(
    services: AppServices,
    user_id: str | None,
    request: gr.Request = None,  # type: ignore[assignment]  # Gradio fills it in
) -> Any:
    """Settings offers the Coach tab on one's own machine while the tab is hidden: never
    on a public link (its coaches are named by the operator) or a practice link's page."""
    hidden = services.settings.public or not user_id or practice_id_of(request)
    shown = not hidden and not services.store.coach_links(str(user_id))
    return gr.update(visible=shown)


def voice_server_line(services: AppServices) -> str:
    """Whether voice can use the app's own local LiveKit server (local mode only)."""
    status = services.voice_status()
    if status is None:
        return ""
    mark = {"running": "✓", "failed": "⚠️"}.get(status.state, "ℹ️")
    return f"{mark} {status.message}"


def wire(page: Page) -> None:
    """Save, check and forget keys; delete everything of this user."""
    keys, user = page.keys, page.user
    shown = [*keys.ordered_inputs(), keys.stored]
    notice = [page.setup.keys_notice, page.setup.open_settings]
    show = page.bind(show_settings)
    page.load.then(page.bind(settings_on_load), [user], shown)
    page.load.then(page.bind(voice_server_line), None, keys.voice_server)
    page.load.then(page.bind(coach_offer_visible), [user], keys.coach_offer)
    keys.show_coach.click(
        lambda: (gr.update(visible=True), gr.Tabs(selected="coach"), gr.update(visible=False)),
        None,
        [page.coach_page, page.tabs, keys.coach_offer],
    )
    page.load.then(page.bind(local_models_panel), None, [keys.local_group, keys.local_status])
    keys.inputs["models"].input(  # type: ignore[attr-defined]
        speech_choices_for,
        keys.inputs["models"],
        [keys.inputs["stt_provider"], keys.inputs["tts_provider"]],
    )
    keys.prepare.click(
        page.guarded(prepare_local_models), [user], keys.local_status, concurrency_limit=1
    )
    saved = [keys.message, keys.results]
    keys.save.click(page.guarded(save_settings), [user, *keys.ordered_inputs()], saved).then(
        show, [user], shown
    ).then(page.bind(setup_tab.keys_notice), [user, page.setup.mode, page.practice], notice)
    keys.check.click(
        page.guarded(check_keys), [user, *keys.ordered_inputs()], keys.results, **PROVIDER_CALLS
    )
    keys.forget.click(page.guarded(forget_keys), [user], keys.message).then(show, [user], shown)
    keys.delete.click(page.guarded(delete_my_data), [user, keys.delete_confirm], keys.message).then(
        page.bind(history_tab.show_history), [user], page.history_outputs
    )
