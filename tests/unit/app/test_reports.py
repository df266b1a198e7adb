"""The report service: on a public link, a base URL on the server's own network is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockflow.app.reports import ReportService, malformed_before
from mockflow.config import Settings
from mockflow.contracts.events import EventWriter
from mockflow.contracts.ids import new_browser_id
from mockflow.net.guard import AddressRefusedError, NetGuard
from mockflow.store.db import Store
from mockflow.store.vault import Vault


def test_a_public_report_refuses_a_base_url_on_the_server_s_network(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="a long enough passphrase for tests")
    store = Store.open(settings)
    try:
        vault = Vault.open(settings, store)
        visitor = new_browser_id()
        keys = {"openai_api_key": "sk-x", "openai_base_url": "http://169.254.169.254/v1"}
        vault.update_keys(visitor, keys)
        record = store.create_session(
            visitor, role="Engineer", track="behavioral", level="mid", mode="text"
        )
        EventWriter(Path(record.session_dir) / "events.jsonl").close()
        reports = ReportService(store, vault, guard=NetGuard(True))
        with pytest.raises(AddressRefusedError):
            reports.generate(visitor, record.id)
        assert store.get_feedback(visitor, record.id) is None
    finally:
        store.close()


def test_malformed_replies_are_counted_across_generate_presses():
    failed = {"rubric": None, "rubric_failed": True, "rubric_malformed_tries": 2}
    assert malformed_before(failed) == 2  # the next run starts its count from there
    assert malformed_before({**failed, "rubric": {"overall": 4}}) == 0  # a success resets it
    assert malformed_before(None) == 0
    assert malformed_before({"rubric": None, "rubric_failed": True}) == 0  # stored before
