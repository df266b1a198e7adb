"""Nothing left behind and nothing fetched: images defused, download links signed,
uploads readable only by the page that sent them, the security header."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockflow.ui.downloads import LINK_SECONDS, DownloadLinks, links_html
from mockflow.ui.live import LiveView, chat_messages
from mockflow.ui.markdown_safety import without_images
from mockflow.ui.security import content_security_policy
from mockflow.ui.uploads import CLAIM_SECONDS, UploadLedger


@pytest.mark.parametrize(
    "text",
    [
        "![x](http://127.0.0.1:9/pixel.png)",
        "see ! [x](http://h/p.png)",
        "![x][ref]\n\n[ref]: http://h/p.png",
        '<img src="http://h/p.png">',
        '< IMG src="http://h/p.png">',
        "<svg><image href='http://h/p.png'/></svg>",
    ],
)
def test_images_become_text_or_links(text):
    import markdown_it

    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(without_images(text))
    assert "<img" not in rendered.lower() and "<image" not in rendered.lower()


def test_ordinary_markdown_is_kept():
    text = "I cut p99 < 250 ms! [docs](https://example.com) and a -> b"
    assert without_images(text) == text


def test_the_chat_shows_no_image_from_an_answer():
    view = LiveView(session_id="s", events_path=Path("unused"))
    view.apply({"type": "turn", "role": "candidate", "text": "![x](http://127.0.0.1:9/pixel.png)"})
    import markdown_it

    rendered = markdown_it.MarkdownIt("commonmark").render(chat_messages(view)[0]["content"])
    assert "<img" not in rendered and 'href="http://127.0.0.1:9/pixel.png"' in rendered


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


def test_only_the_uploading_session_may_claim_an_upload(tmp_path):
    clock = Clock()
    ledger = UploadLedger(clock)
    upload = tmp_path / "abc" / "cv.txt"
    upload.parent.mkdir()
    upload.write_text("resume")
    other = tmp_path / "def" / "report.md"

    assert not ledger.claim(str(upload), "s1", "1.2.3.4")  # never uploaded
    ledger.record(str(upload), "1.2.3.4")
    assert not ledger.claim(str(upload), "s1", "5.6.7.8")  # another address
    assert not ledger.claim(str(other), "s1", "1.2.3.4")
    assert ledger.claim(str(upload), "s1", "1.2.3.4")
    assert not ledger.claim(str(upload), "s2", "1.2.3.4")  # taken by s1
    ledger.discard(str(upload))
    assert not upload.exists() and not upload.parent.exists()
    ledger.record(str(upload), "1.2.3.4")
    clock.now += CLAIM_SECONDS + 1
    assert not ledger.claim(str(upload), "s1", "1.2.3.4")  # too old


def test_the_policy_forbids_remote_images_and_allows_the_livekit_script():
    policy = content_security_policy("https://cdn.jsdelivr.net/npm/livekit-client/x.js")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["img-src"] == "'self' data: blob:"
    assert "https://cdn.jsdelivr.net" in directives["script-src"]
    assert "wss:" in directives["connect-src"]
