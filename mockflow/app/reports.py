"""Feedback reports as the app sees them: build, generate with the user's LLM, store,
and gather the user's history for the progress charts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mockflow.app.local_providers import LocalServers, with_local_defaults, with_local_llm
from mockflow.app.setup import missing_keys
from mockflow.contracts.events import read_events
from mockflow.contracts.meta import SessionMeta, load_meta
from mockflow.errors import MockflowError
from mockflow.feedback.report.model import FeedbackReport, build_report, generate_report
from mockflow.feedback.rubric.llm import DEFAULT_TIMEOUT, OpenAIRubricLLM
from mockflow.net.guard import NetGuard
from mockflow.net.pinning import Pin, pinned_httpx_client
from mockflow.store.db import Store
from mockflow.store.vault import ProviderKeys, Vault

NO_KEY_NOTE = "Scores and coaching need an OpenAI key (or compatible server); add one in Settings."
LOCAL_RUBRIC_TIMEOUT = 300.0  # a small model on a 2-core CPU writes a rubric slowly
SPONSORED_SCORINGS = 3  # scoring runs per interview a coach's sponsored link pays for
NOT_YET_NOTE = (
    "Scores and coaching are not generated yet: use “Generate scores and coaching” above. "
    "Everything below is measured from your transcript."
)


@dataclass
class ReportService:
    store: Store
    vault: Vault
    feedback_model: str | None = None
    guard: NetGuard | None = None  # vets the user's base URL on a public link
    local_models: LocalServers | None = None  # the app's own models, where allowed

    def report(self, user_id: str, session_id: str) -> dict[str, Any]:
        """The stored report, or an analytics-only one computed now (not stored)."""
        stored = self.store.get_feedback(user_id, session_id)
        if stored:
            return stored
        record = self.store.get_session(user_id, session_id)
        session_dir = Path(record.session_dir)
        report = build_report(read_events(session_dir), load_meta(session_dir), note=NOT_YET_NOTE)
        return report.to_dict()

    def generate(
        self, user_id: str, session_id: str, progress: Callable[[float, str], object] | None = None
    ) -> dict[str, Any]:
        """Analytics plus the LLM rubric; stored with the session and its summary figures."""
        record = self.store.get_session(user_id, session_id)
        keys = self._scoring_keys(user_id, session_id)
        before = malformed_before(self.store.get_feedback(user_id, session_id))
        session_dir = Path(record.session_dir)
        events, meta = read_events(session_dir), load_meta(session_dir)
        local = self.local_models is not None
        if local:
            keys = with_local_defaults(keys)
        if missing_keys(keys, "text", local_models=local):
            report = asyncio.run(generate_report(events, meta, None, note=NO_KEY_NOTE))
        elif keys.local_llm and self.local_models is not None:
            keys = with_local_llm(keys, self.local_models.ensure_llm())
            model = keys.openai_model or "local"
            report = asyncio.run(
                _with_llm(events, meta, keys, model, progress, before, timeout=LOCAL_RUBRIC_TIMEOUT)
            )
        else:
            model = self.feedback_model or keys.openai_model or "gpt-4o-mini"
            url = keys.openai_base_url
            pin = self.guard.vet(url) if self.guard is not None and url else None
            report = asyncio.run(_with_llm(events, meta, keys, model, progress, before, pin))
        data = report.to_dict()
        self.store.save_feedback(user_id, session_id, data)
        self.store.set_status(user_id, session_id, record.status, summary=summary_of(data))
        return data

    def _scoring_keys(self, user_id: str, session_id: str) -> ProviderKeys:
        """The candidate's own keys; for an interview of a live sponsored practice link,
        the coach's (server-side only), for a few scoring runs per interview."""
        link = self.store.practice_use(user_id, session_id)
        own = self.vault.resolve_keys(user_id).keys
        if link is None or not link.sponsored or not missing_keys(own, "text"):
            return own
        try:
            self.store.practice_link(link.id)  # expired links pay for nothing more
        except MockflowError:
            return own
        if not self.store.spend_practice_scoring(user_id, session_id, SPONSORED_SCORINGS):
            return own
        return self.vault.resolve_keys(link.coach_id).keys

    def history_reports(self, user_id: str) -> list[dict[str, Any]]:
        """Reports of the user's ended interviews that have answers, for the progress
        charts. An interview without a stored report gets its measured one computed and
        stored once, so delivery figures chart without generating scores first."""
        reports = []
        for record in self.store.list_sessions(user_id, 200):
            report = self.store.get_feedback(user_id, record.id)
            if report is None:
                if record.is_active:
                    continue
                try:
                    report = self.report(user_id, record.id)
                except MockflowError:  # no readable timeline: nothing to chart
                    continue
                if not report.get("analytics", {}).get("answers"):
                    continue  # nothing was answered: nothing to chart
                self.store.save_feedback(user_id, record.id, report)
            reports.append(report)
        return reports


async def _with_llm(
    events: list[dict[str, Any]],
    meta: SessionMeta,
    keys: ProviderKeys,
    model: str,
    progress: Callable[[float, str], object] | None,
    malformed: int,
    pin: Pin | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> FeedbackReport:
    llm = OpenAIRubricLLM(
        keys.openai_api_key or "no-key",
        base_url=keys.openai_base_url,
        model=model,
        timeout=timeout,
        http_client=pinned_httpx_client(pin, httpx.Timeout(timeout, connect=10.0)) if pin else None,
    )
    try:
        return await generate_report(
            events, meta, llm, model_name=model, progress=progress, malformed_before=malformed
        )
    finally:
        await llm.aclose()


def malformed_before(stored: dict[str, Any] | None) -> int:
    """The stored run's count of replies in a row that were not a usable rubric: a model
    that keeps failing stops being offered a retry, over Generate presses."""
    if not stored or stored.get("rubric"):
        return 0
    tries = stored.get("rubric_malformed_tries")
    return tries if isinstance(tries, int) and tries > 0 else 0


def summary_of(report: dict[str, Any]) -> dict[str, Any]:
    """The few figures the History list shows, copied into the session record."""
    rubric = report.get("rubric") or {}
    return {"overall": rubric.get("overall")}
