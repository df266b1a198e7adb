"""The real app's upload route under a flood, and the free-disk floor, over HTTP (findings
3 and 4 of issue 25).

Before: anyone could POST files to Gradio's upload route, with no identity and no limit
(100 MB in 0.9 s into the cache on the database's disk). Now, on a public link, only a
browser that loaded the page (it carries the page's upload pass) may upload, within an
hourly count and size per visitor and per address, and the cache has a quota; each
refusal is a plain sentence. Under the free-disk floor, uploads and new interviews are
refused with the reason and `/api/health` says `low_disk`.
"""

from __future__ import annotations

import httpx
import pytest
from gradio_client import Client

from mockflow.app.disk import STARTS_PAUSED
from mockflow.ui.upload_gate import CACHE_FULL, DISK_LOW, NO_PASS, PASS_COOKIE, TOO_MANY, TOO_MUCH
from tests.app_process import AppProcess

pytestmark = pytest.mark.integration
KB = 1024


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("uploads")
    limits = {
        "MOCKFLOW_UPLOADS_PER_HOUR": "4",  # an address: 12
        "MOCKFLOW_UPLOAD_MB_PER_HOUR": "1",  # an address: 3
        "MOCKFLOW_UPLOAD_CACHE_MB": "2",
        "MOCKFLOW_MIN_FREE_MB": "0",
    }
    app = AppProcess(data, {"MOCKFLOW_PUBLIC": "1", **limits})
    yield app
    app.stop()


@pytest.fixture(scope="module")
def full_app(tmp_path_factory):
    """An app whose disk is under its floor (a floor above any disk's size)."""
    data = tmp_path_factory.mktemp("floor")
    app = AppProcess(data, {"MOCKFLOW_PUBLIC": "1", "MOCKFLOW_MIN_FREE_MB": str(10**12)})
    yield app
    app.stop()


def visitor(app: AppProcess) -> httpx.Client:
    """A browser that loaded the page: it holds the pass the page set."""
    client = httpx.Client(base_url=app.url, timeout=30)
    page = client.get("/")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{PASS_COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    return client


def upload(client: httpx.Client, size: int, name: str = "cv.txt") -> httpx.Response:
    return client.post("gradio_api/upload", files={"files": (name, b"x" * size)})


def stored(app: AppProcess, name: str) -> list:
    return list((app.data_dir / "cache").rglob(name))


def test_an_upload_without_the_pages_pass_is_refused_and_not_stored(app):
    for cookies in ({}, {PASS_COOKIE: "forged.pass"}):
        response = httpx.post(
            app.url + "gradio_api/upload",
            files={"files": ("flood.bin", b"x" * 10 * KB)},
            cookies=cookies,
        )
        assert (response.status_code, response.text) == (403, NO_PASS)
    assert stored(app, "flood.bin") == []


def test_a_page_that_already_has_a_pass_keeps_it(app):
    client = visitor(app)
    assert "set-cookie" not in client.get("/").headers


def test_a_visitor_has_an_hourly_count_and_size_and_an_address_three_visitors_worth(app):
    first = visitor(app)
    for n in range(4):
        assert upload(first, KB, f"ok-{n}.txt").status_code == 200
    refused = upload(first, KB, "fifth.txt")
    assert (refused.status_code, refused.text) == (429, TOO_MANY)
    assert stored(app, "fifth.txt") == []

    second = visitor(app)
    assert upload(second, 600 * KB, "big-1.txt").status_code == 200
    refused = upload(second, 600 * KB, "big-2.txt")  # 1.2 MB > 1 MB in the hour
    assert (refused.status_code, refused.text) == (429, TOO_MUCH)

    # the address: 12 uploads an hour, whoever holds the passes (5 so far)
    for n in range(7):
        assert upload(visitor(app), KB, f"more-{n}.txt").status_code == 200
    refused = upload(visitor(app), KB, "thirteenth.txt")
    assert (refused.status_code, refused.text) == (429, TOO_MANY)


def test_the_upload_cache_has_a_quota(app):
    """Checked before any allowance: many visitors from many addresses cannot pass it."""
    cache = app.data_dir / "cache"
    before = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file())
    assert before < 2 * 1024 * KB
    refused = upload(visitor(app), 2 * 1024 * KB - before + KB, "fills-it.txt")
    assert (refused.status_code, refused.text) == (413, CACHE_FULL)
    assert stored(app, "fills-it.txt") == []


def test_under_the_floor_uploads_and_starts_are_refused_and_health_says_so(full_app):
    health = full_app.health()
    assert health["status"] == "low_disk"
    assert health["disk"]["low"] is True and health["disk"]["free_mb"] is not None
    refused = upload(visitor(full_app), KB, "cv.txt")
    assert (refused.status_code, refused.text) == (507, DISK_LOW)
    client = Client(full_app.url, verbose=False)
    with pytest.raises(Exception, match="New interviews are paused") as error:
        client.predict(
            "Ana", "Engineer", "mid", "behavioral", "short", "", "", "", api_name="/start_interview"
        )
    assert STARTS_PAUSED.split(":")[0] in str(error.value)
