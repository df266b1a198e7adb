"""The real app, attacked and overloaded over HTTP: every response carries the policy that
forbids remote images, oversized uploads are refused before they are stored, the
resume listener reads only a file its own page uploaded, and a refused call is one log
line, not a traceback."""

from __future__ import annotations

import httpx
import pytest
from gradio_client import Client, handle_file

from tests.app_process import AppProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("hardening")
    app = AppProcess(data, {"MOCKFLOW_PUBLIC": "1", "MOCKFLOW_MAX_UPLOAD_MB": "1"})
    yield app
    app.stop()


def test_pages_forbid_remote_images(app):
    policy = httpx.get(app.url).headers["content-security-policy"]
    assert "img-src 'self' data: blob:" in policy
    assert "default-src 'self'" in policy


def test_an_oversized_upload_is_refused_and_not_kept(app):
    response = httpx.post(
        app.url + "gradio_api/upload",
        files={"files": ("big.txt", b"x" * 1_100_000)},
        cookies=page_pass(app),  # a public link's uploads come from its page
    )
    assert response.status_code == 413
    assert "maximum allowed size" in response.text
    assert not list((app.data_dir / "cache").rglob("big.txt"))


def test_the_resume_listener_reads_only_its_own_pages_upload(app, tmp_path):
    planted = app.data_dir / "cache" / "f00d" / "someone-else.txt"
    planted.parent.mkdir(parents=True)
    planted.write_text("Private resume of somebody else. " * 10)
    assert "did not come from this page" in _call_raw(app, "read_resume", str(planted))
    assert planted.exists()  # a file it did not get from the upload is never deleted

    cookie = "; ".join(f"{k}={v}" for k, v in page_pass(app).items())
    client = Client(app.url, verbose=False, headers={"Cookie": cookie})
    mine = tmp_path / "cv.txt"
    mine.write_text("I led the billing migration. " * 10)
    status, _paste_box = client.predict(handle_file(str(mine)), api_name="/read_resume")
    assert status.startswith("✓ Read 50 words from **cv.txt**")
    assert not list((app.data_dir / "cache").rglob("cv.txt"))  # read once, then gone


def page_pass(app) -> dict[str, str]:
    """The upload pass a browser gets with the page (mockflow.ui.upload_gate)."""
    return dict(httpx.get(app.url).cookies)


def _call_raw(app, api_name: str, path: str) -> str:
    """Name a server path directly, as a hostile script would (gradio_client would upload
    a local file first)."""
    url = f"{app.url}gradio_api/call/{api_name}"
    file_data = {"path": path, "meta": {"_type": "gradio.FileData"}}
    event_id = httpx.post(url, json={"data": [file_data]}).json()["event_id"]
    with httpx.stream("GET", f"{url}/{event_id}", timeout=30) as stream:
        return "".join(stream.iter_text())


def test_a_refused_call_is_one_log_line(app):
    client = Client(app.url, verbose=False)
    before = (app.data_dir / "app.log").read_text()
    with pytest.raises(Exception, match="user_token is not valid"):
        client.predict("iv_nope", 0, "local", api_name="/poll")
    added = (app.data_dir / "app.log").read_text()[len(before) :]
    assert "Traceback" not in added
    refusals = [line for line in added.splitlines() if "refused a call" in line]
    assert len(refusals) == 1 and "poll" in refusals[0]
