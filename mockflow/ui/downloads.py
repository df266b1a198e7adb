"""Report downloads, rendered per request and streamed: nothing is written to disk, so
nothing is left in a temp dir or in Gradio's cache once "Delete my data" has run.

The Feedback tab shows links signed for one user, one session and a few hours (an HMAC
under a key derived from the master key); the route rebuilds the report from the store
and the transcript each time, so a deleted interview can no longer be downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.routing import APIRoute

from mockflow.app.coaching import link_csv, shared_report_files
from mockflow.contracts.events import EventFileError, read_events
from mockflow.errors import MockflowError
from mockflow.feedback.demo import sample_report, sample_session_dir
from mockflow.feedback.report.export import EXPORT_FORMATS, export_text

if TYPE_CHECKING:
    from mockflow.ui.services import AppServices

LINK_SECONDS = 6 * 3600
SAMPLE = "sample"
SHARED_SCOPE = "shared:"  # a coach's link signature is never a report link's, nor back
LABELS = {"md": "Markdown", "html": "Printable HTML", "json": "JSON"}


@dataclass(frozen=True)
class DownloadLinks:
    """Signs and checks report links; `repr` hides the key."""

    key: bytes = field(repr=False)
    clock: Callable[[], float] = time.time

    def query(self, user_id: str, session_id: str) -> str:
        expires = int(self.clock()) + LINK_SECONDS
        user = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
        return f"u={user}&e={expires}&s={self._sign(user_id, session_id, expires)}"

    def user_of(self, session_id: str, user: str, expires: str, signature: str) -> str | None:
        """The user a link was signed for, if it is genuine and not expired."""
        try:
            user_id = base64.urlsafe_b64decode(user + "=" * (-len(user) % 4)).decode()
            deadline = int(expires)
        except (ValueError, UnicodeDecodeError):
            return None
        expected = self._sign(user_id, session_id, deadline)
        if deadline < self.clock() or not hmac.compare_digest(expected, signature):
            return None
        return user_id

    def _sign(self, user_id: str, session_id: str, expires: int) -> str:
        message = f"{user_id}\n{session_id}\n{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:32]


def links_html(links: DownloadLinks | None, user_id: str | None, session_id: str) -> str:
    """The download links of one session's report (or of the sample, unsigned)."""
    query = ""
    if session_id != SAMPLE and links is not None and user_id is not None:
        query = "?" + links.query(user_id, session_id)
    items = [
        f'<a href="{html.escape(f"api/report/{session_id}.{fmt}{query}")}" download '
        f'class="mf-download">{label}</a>'
        for fmt, label in LABELS.items()
    ]
    return '<p class="mf-downloads">Download: ' + " · ".join(items) + "</p>"


def report_route(services: AppServices, links: DownloadLinks) -> APIRoute:
    def download(name: str, request: Request) -> Response:
        session_id, _, fmt = name.rpartition(".")
        if fmt not in EXPORT_FORMATS or not session_id:
            return PlainTextResponse("No such report.", status_code=404)
        if session_id == SAMPLE:
            report = sample_report().to_dict()
            events = read_events(sample_session_dir())
        else:
            params = request.query_params
            user = links.user_of(
                session_id, params.get("u", ""), params.get("e", ""), params.get("s", "")
            )
            if user is None:
                return PlainTextResponse(
                    "This download link has expired. Open the report again in the Feedback tab.",
                    status_code=403,
                )
            try:
                record = services.store.get_session(user, session_id)
                events = read_events(Path(record.session_dir))
                report = services.reports.report(user, session_id)
            except (MockflowError, EventFileError):
                return PlainTextResponse("This report is no longer here.", status_code=404)
        filename, text = export_text(report, fmt, events)
        return Response(
            text.encode("utf-8"),
            media_type=EXPORT_FORMATS[fmt],
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )

    return APIRoute("/api/report/{name}", download, methods=["GET"])


def shared_links_html(
    links: DownloadLinks, coach_id: str, link_id: str, session_id: str | None
) -> str:
    """A coach's exports of one link: the CSV of every shared report's figures, and the
    files of the report opened (signed for the coach and the link)."""
    query = "?" + links.query(coach_id, SHARED_SCOPE + link_id)
    items = [
        f'<a href="{html.escape(f"api/shared/{link_id}/figures.csv{query}")}" download '
        'class="mf-download">Figures of all shared reports (CSV)</a>'
    ]
    if session_id:
        items += [
            f'<a href="{html.escape(f"api/shared/{link_id}/{session_id}.{fmt}{query}")}" '
            f'download class="mf-download">This report: {label}</a>'
            for fmt, label in LABELS.items()
            if fmt != "json"
        ]
    return '<p class="mf-downloads">Download: ' + " · ".join(items) + "</p>"


def shared_route(services: AppServices, links: DownloadLinks) -> APIRoute:
    """A coach's downloads: checked against the link's signature, and against the store
    at each request (a withdrawn share can no longer be downloaded)."""

    def download(link_id: str, name: str, request: Request) -> Response:
        params = request.query_params
        coach = links.user_of(
            SHARED_SCOPE + link_id, params.get("u", ""), params.get("e", ""), params.get("s", "")
        )
        if coach is None:
            return PlainTextResponse(
                "This download link has expired. Open the Coach tab again.", status_code=403
            )
        stem, _, fmt = name.rpartition(".")
        try:
            if name == "figures.csv":
                filename = "practice-link-figures.csv"
                text = link_csv(services.store, services.reports, coach, link_id)
                media = "text/csv; charset=utf-8"
            elif fmt in ("md", "html") and stem:
                report, events = shared_report_files(
                    services.store, services.reports, coach, link_id, stem
                )
                filename, text = export_text(report, fmt, events)
                media = EXPORT_FORMATS[fmt]
            else:
                return PlainTextResponse("No such file.", status_code=404)
        except (MockflowError, EventFileError):
            return PlainTextResponse("This report is no longer shared with you.", status_code=404)
        return Response(
            text.encode("utf-8"),
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )

    return APIRoute("/api/shared/{link_id}/{name}", download, methods=["GET"])
