"""The app's services, assembled once per process and handed to every tab."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from mockflow.config import Settings
from mockflow.interviews import InterviewService
from mockflow.reports import ReportService
from mockflow.store import Store
from mockflow.supervisor import Supervisor
from mockflow.vault import Vault

log = logging.getLogger("mockflow.app")


@dataclass
class AppServices:
    settings: Settings
    store: Store
    vault: Vault
    interviews: InterviewService
    supervisor: Supervisor
    reports: ReportService

    def close(self) -> None:
        self.supervisor.close()
        self.store.close()


def build_services(settings: Settings, environ: Mapping[str, str]) -> AppServices:
    """Open the store and vault, start the supervisor, and reap a previous run's agents."""
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    interviews = InterviewService(settings, store, vault)
    supervisor = Supervisor(settings, on_session_end=interviews.on_session_end, parent_env=environ)
    interviews.attach(supervisor)
    reaped = supervisor.reap_orphans()
    interviews.mark_interrupted(reaped)
    if reaped:
        log.info("reaped %d agent(s) left by a previous run", len(reaped))
    return AppServices(
        settings,
        store,
        vault,
        interviews,
        supervisor,
        ReportService(store, vault, settings.feedback_model),
    )
