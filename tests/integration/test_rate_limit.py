"""The per-address request rate limit in the real app (public-link mode): an address that
floods the API gets 429 with Retry-After and a plain message, while a visitor on another
address is still served. The two addresses are two loopback sources (127.0.0.1 and
127.0.0.2), which the app sees as two clients."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.app_process import AppProcess

pytestmark = pytest.mark.integration
FLOODER, VISITOR = "127.0.0.1", "127.0.0.2"


def get(
    app: AppProcess, path: str, source: str, cookie: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(
        "127.0.0.1", app.port, timeout=60, source_address=(source, 0)
    )
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    data = tmp_path_factory.mktemp("rate-limit")
    app = AppProcess(data, {"MOCKFLOW_PUBLIC": "1", "MOCKFLOW_REQUEST_RATE": "2"})  # burst 10
    yield app
    app.stop()


def test_a_flooding_address_gets_429_while_another_is_served(public):
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: get(public, "/gradio_api/info", FLOODER), range(100)))
    statuses = [status for status, _, _ in answers]
    # the first ten (the burst, less what the app used at start) pass, then 2 a second
    assert statuses.count(200) >= 5 and statuses.count(429) >= 50, statuses
    _, headers, body = next(a for a in answers if a[0] == 429)
    assert int(headers["retry-after"]) >= 1
    assert "Too many requests from your network" in json.loads(body)["error"]
    status, _, body = get(public, "/gradio_api/info", VISITOR)
    assert status == 200 and "named_endpoints" in json.loads(body)
    assert get(public, "/", FLOODER)[0] == 200  # the page itself is not limited


def visitor_pass(app: AppProcess, source: str) -> str:
    """The signed visitor pass the page sets, as a browser would send it back."""
    _, headers, _ = get(app, "/", source)
    return headers["set-cookie"].split(";")[0]


def test_people_sharing_an_address_are_limited_one_by_one(public):
    """Two people behind one address (a class behind a NAT): the one who floods is
    refused, the other's page is still served."""
    source = "127.0.0.3"
    flooder, neighbour = visitor_pass(public, source), visitor_pass(public, source)
    with ThreadPoolExecutor(10) as pool:
        answers = list(
            pool.map(lambda _: get(public, "/gradio_api/info", source, flooder), range(60))
        )
    assert [a[0] for a in answers].count(429) >= 30
    assert get(public, "/gradio_api/info", source, neighbour)[0] == 200


def test_local_mode_has_no_rate_limit(tmp_path):
    app = AppProcess(tmp_path, {"MOCKFLOW_REQUEST_RATE": "2"})
    try:
        with ThreadPoolExecutor(10) as pool:
            statuses = list(pool.map(lambda _: get(app, "/gradio_api/info", FLOODER)[0], range(60)))
        assert set(statuses) == {200}
    finally:
        app.stop()
