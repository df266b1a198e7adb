"""The page's security header: no remote images, the LiveKit script allowed."""

from __future__ import annotations

from mockflow.ui.security import content_security_policy


def test_the_policy_forbids_remote_images_and_allows_the_livekit_script():
    policy = content_security_policy("https://cdn.jsdelivr.net/npm/livekit-client/x.js")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["img-src"] == "'self' data: blob:"
    assert "https://cdn.jsdelivr.net" in directives["script-src"]
    assert "wss:" in directives["connect-src"]


def _scripts(url: str) -> str:
    policy = content_security_policy(url)
    return dict(d.strip().split(" ", 1) for d in policy.split(";"))["script-src"]


def test_a_script_the_app_serves_itself_allows_no_other_host():
    scripts = _scripts("/gradio_api/file=/srv/mockflow/ui/static/vendor/livekit-client.umd.js")
    assert scripts == "'self' 'unsafe-inline' 'unsafe-eval'"
    assert "http" not in _scripts("")
