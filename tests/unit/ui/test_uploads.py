"""An upload is readable only by the page that sent it, for a short while."""

from __future__ import annotations

from mockflow.ui.uploads import CLAIM_SECONDS, UploadLedger


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


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
