"""The app's services, assembled once per process and handed to every tab."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from mockflow.app.fair_use import OpenTabs
from mockflow.app.identity import AnonymousCredentials
from mockflow.app.interviews import InterviewService
from mockflow.app.reports import ReportService
from mockflow.app.retention import AnonymousRetention
from mockflow.config import Settings
from mockflow.errors import ConfigError
from mockflow.launch import Supervisor
from mockflow.launch.livekit import embedded
from mockflow.launch.livekit.dispatcher import Dispatcher, LiveKitCredentials
from mockflow.launch.livekit.embedded import EmbeddedVoiceServer, VoiceServerStatus
from mockflow.launch.local.environment import load_or_create_marker
from mockflow.launch.strays import ChildPidFiles
from mockflow.localmodels.manager import LocalModels
from mockflow.net.guard import NetGuard
from mockflow.store.db import Store
from mockflow.store.vault import Vault
from mockflow.ui.downloads import DownloadLinks
from mockflow.ui.uploads import UploadLedger

log = logging.getLogger("mockflow.app")


@dataclass
class AppServices:
    settings: Settings
    store: Store
    vault: Vault
    interviews: InterviewService
    supervisor: Supervisor
    reports: ReportService
    credentials: AnonymousCredentials
    # stable across restarts (browsers must read back what they kept); derived apart from
    # the credentials' key, because Gradio hands it to the browser
    browser_state_secret: str
    tabs: OpenTabs
    downloads: DownloadLinks
    voice_workers: Dispatcher | None = None  # dispatch mode only
    voice_server: EmbeddedVoiceServer | None = None  # local mode without a LiveKit URL
    retention: AnonymousRetention | None = None
    uploads: UploadLedger = field(default_factory=UploadLedger)
    local_models: LocalModels | None = None  # where the app offers its own models

    def close(self) -> None:
        if self.retention is not None:
            self.retention.close()
        self.tabs.close()
        if self.voice_workers is not None:
            self.voice_workers.close()
        self.supervisor.close()
        if self.local_models is not None:  # after the agents that used them
            self.local_models.close()
        if self.voice_server is not None:  # after the agents: they were in its rooms
            self.voice_server.stop()
        self.store.close()

    def voice_status(self) -> VoiceServerStatus | None:
        """The local voice server's state, for Settings and /api/health (None: not used)."""
        if self.voice_server is not None:
            return self.voice_server.status()
        if (
            embedded.wanted(
                self.settings.public, self.settings.on_space, self.settings.env_keys.livekit_url
            )
            and not self.settings.voice_by_workers
        ):
            return embedded.not_installed()
        return None


def build_services(settings: Settings, environ: Mapping[str, str]) -> AppServices:
    """Open the store and vault, start the supervisor (and, in dispatch mode, the
    dispatcher), and reap a previous run's agents."""
    credentials = _worker_project(settings) if settings.voice_by_workers else None
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    interviews = InterviewService(settings, store, vault)
    supervisor = Supervisor(settings, on_session_end=interviews.on_session_end, parent_env=environ)
    workers = None
    if credentials is not None:
        log.info("voice interviews go to LiveKit workers (dispatch mode)")
        workers = Dispatcher(settings, interviews.on_session_end, credentials=credentials)
    interviews.attach(supervisor, workers)
    children = ChildPidFiles(settings.data_dir / "run", load_or_create_marker(settings.data_dir))
    if strays := children.stop_strays():  # a previous run killed before it could stop them
        log.info("stopped %s left running by a previous run", ", ".join(strays))
    voice_server = _local_voice_server(settings, environ, children)
    if voice_server is not None:
        interviews.local_livekit = voice_server.credentials
    local_models = _local_models(settings, children)
    interviews.local_models = local_models
    if adopted := interviews.adopt_dispatched():
        log.info("following %d voice interview(s) still running on workers", len(adopted))
    reaped = supervisor.reap_orphans()
    interviews.mark_interrupted(reaped)
    if reaped:
        log.info("reaped %d agent(s) left by a previous run", len(reaped))
    # the same erasure as "Delete my data"; idle users have no interview running
    retention = AnonymousRetention(store, vault.delete_user_data, days=settings.anon_retention_days)
    retention.start()
    reports = ReportService(store, vault, settings.feedback_model, NetGuard.from_settings(settings))
    reports.local_models = local_models
    return AppServices(
        settings,
        store,
        vault,
        interviews,
        supervisor,
        reports,
        AnonymousCredentials(vault.derive_key("anonymous-credentials")),
        vault.derive_key("browser-state").hex()[:32],
        OpenTabs(interviews.end_active, grace=settings.tab_grace_seconds),
        DownloadLinks(vault.derive_key("report-downloads")),
        workers,
        voice_server,
        retention,
        local_models=local_models,
    )


def _local_models(settings: Settings, children: ChildPidFiles) -> LocalModels | None:
    """The app's own models, where users may choose them (nothing starts before first use)."""
    if not settings.local_models_allowed:
        return None
    local = settings.local
    return LocalModels(
        settings.models_dir,
        settings.data_dir,
        llm_model_path=local.llm_model,
        stt_model_path=local.stt_model,
        tts_voice_path=local.tts_voice,
        ollama_url=local.ollama_url,
        ollama_model=local.ollama_model,
        pid_files=children,
    )


def _local_voice_server(
    settings: Settings, environ: Mapping[str, str], children: ChildPidFiles
) -> EmbeddedVoiceServer | None:
    """The app's own LiveKit server, started when it is wanted and installed."""
    livekit_url = settings.env_keys.livekit_url
    if settings.voice_by_workers or not embedded.wanted(
        settings.public, settings.on_space, livekit_url
    ):
        return None
    server = EmbeddedVoiceServer.find(environ, settings.data_dir, children)
    if server is None:
        log.info("no livekit-server binary: voice needs a LiveKit URL in Settings")
        return None
    server.start()  # a failure is kept in its status, shown in Settings
    return server


def _worker_project(settings: Settings) -> LiveKitCredentials:
    """The LiveKit project the workers serve, from the app's own environment."""
    keys = settings.env_keys
    if not (keys.livekit_url and keys.livekit_api_key and keys.livekit_api_secret):
        raise ConfigError(
            "MOCKFLOW_VOICE_AGENTS=dispatch needs LIVEKIT_URL, LIVEKIT_API_KEY and "
            "LIVEKIT_API_SECRET in the app's environment (the project the workers serve)"
        )
    return LiveKitCredentials(keys.livekit_url, keys.livekit_api_key, keys.livekit_api_secret)
