"""Download links: a candidate's report links are signed for their user and session
until they expire; a coach's downloads (`/api/shared/<link>/<file>`), served in-process:
the coach's own signed link gives the CSV and the report files of what was shared; a
candidate's report link, another coach, an expired signature or a withdrawn share get
nothing."""

from __future__ import annotations

import shutil
import time
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mockflow.app.reports import ReportService
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from mockflow.store.vault import Vault
from mockflow.ui.downloads import (
    LINK_SECONDS,
    DownloadLinks,
    links_html,
    shared_links_html,
    shared_route,
)


@pytest.fixture
def shared(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="a long enough passphrase for tests")
    store = Store.open(settings)
    coach, ana = new_browser_id(), new_browser_id()
    link = store.create_practice_link(
        coach, title="Screen", setup={"role": "Backend Engineer"}, expires_at=time.time() + 600
    )
    record = store.create_session(
        ana, role="Backend Engineer", track="behavioral", level="mid", mode="voice"
    )
    sample = resources.files("mockflow.feedback").joinpath("sample")
    Path(record.session_dir).mkdir(parents=True, exist_ok=True)
    for name in ("events.jsonl", "meta.json"):
        shutil.copy(str(sample / name), Path(record.session_dir) / name)
    store.reserve_practice_interview(ana, link.id, record.id)
    store.set_status(ana, record.id, "completed", end_reason="completed")
    store.share_with_coach(ana, record.id, "Ana")
    links = DownloadLinks(b"k" * 32)
    services = SimpleNamespace(
        store=store, reports=ReportService(store, Vault.open(settings, store))
    )
    api = FastAPI()
    api.router.routes.append(shared_route(services, links))  # type: ignore[arg-type]
    yield SimpleNamespace(
        client=TestClient(api), links=links, store=store, coach=coach, ana=ana,
        link=link.id, session=record.id,
    )  # fmt: skip
    store.close()


def _hrefs(html: str) -> list[str]:
    return [part.split('"', 1)[0].replace("&amp;", "&") for part in html.split('href="')[1:]]


def test_the_coach_downloads_the_figures_and_the_shared_report(shared):
    csv_href, md_href, html_href = _hrefs(
        shared_links_html(shared.links, shared.coach, shared.link, shared.session)
    )
    figures = shared.client.get("/" + csv_href)
    assert figures.status_code == 200 and figures.text.splitlines()[1].startswith("Ana,")
    report = shared.client.get("/" + md_href)
    assert report.status_code == 200 and "Interview feedback" in report.text
    assert "attachment" in report.headers["content-disposition"]
    assert shared.client.get("/" + html_href).text.lstrip().lower().startswith("<!doctype html")


def test_nothing_for_other_signatures_or_a_withdrawn_share(shared):
    csv_href = _hrefs(shared_links_html(shared.links, shared.coach, shared.link, None))[0]
    # the candidate's own report link, re-aimed at the coach's route
    query = _hrefs(links_html(shared.links, shared.ana, shared.link))[0].split("?", 1)[1]
    assert shared.client.get(f"/api/shared/{shared.link}/figures.csv?{query}").status_code == 403
    # another coach's genuine signature for this link
    other = _hrefs(shared_links_html(shared.links, new_browser_id(), shared.link, None))[0]
    assert shared.client.get("/" + other).status_code == 404
    # a tampered signature
    assert shared.client.get("/" + csv_href[:-4] + "0000").status_code == 403
    shared.store.withdraw_share(shared.ana, shared.session)
    md = _hrefs(shared_links_html(shared.links, shared.coach, shared.link, shared.session))[1]
    assert shared.client.get("/" + md).status_code == 404
    assert "Ana" not in shared.client.get("/" + csv_href).text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_download_link_names_its_user_and_session_until_it_expires():
    clock = Clock()
    links = DownloadLinks(b"k" * 32, clock)
    query = dict(part.split("=") for part in links.query("anon_abc", "iv_1").split("&"))
    assert links.user_of("iv_1", query["u"], query["e"], query["s"]) == "anon_abc"
    assert links.user_of("iv_2", query["u"], query["e"], query["s"]) is None
    forged = DownloadLinks(b"x" * 32, clock).query("anon_abc", "iv_1")
    other = dict(part.split("=") for part in forged.split("&"))
    assert links.user_of("iv_1", other["u"], other["e"], other["s"]) is None
    clock.now += LINK_SECONDS + 1
    assert links.user_of("iv_1", query["u"], query["e"], query["s"]) is None


def test_links_point_at_the_streaming_route():
    html = links_html(DownloadLinks(b"k" * 32), "local", "iv_1")
    assert html.count('href="api/report/iv_1.') == 3 and "/tmp" not in html
