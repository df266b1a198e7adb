"""The page a candidate opens through a coach's link: the coach's set-up, locked, with
what the coach will see; an unknown, tampered or expired id reads the same."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mockflow.store.db import Store
from mockflow.store.practice_links import NOT_FOUND
from mockflow.ui.tabs.practice import WHAT_THE_COACH_SEES, practice_on_load


class Clock:
    now = 1.8e9

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def services(tmp_path):
    clock = Clock()
    store = Store(tmp_path / "db.json", tmp_path / "sessions", clock=clock)
    yield SimpleNamespace(store=store, clock=clock)
    store.close()


def _link(services, **changes):
    fields = {
        "title": "Acme <b>screen</b>",
        "setup": {"role": "Data Engineer", "level": "senior", "track": "technical"},
        "expires_at": services.clock.now + 600,
        "questions": ["How do you test SQL?"],
        "modes": ["voice"],
        "sponsored": True,
        "max_minutes_per_interview": 12,
    }
    return services.store.create_practice_link("local", **{**fields, **changes})


def _open(services, query: dict) -> dict:
    return practice_on_load(services, SimpleNamespace(query_params=query))


def test_the_link_fills_in_and_locks_the_set_up(services):
    link = _link(services)
    shown = _open(services, {"practice": link.id})
    assert shown["practice"] == link.id
    assert shown["role"] == {"__type__": "update", "value": "Data Engineer", "interactive": False}
    assert shown["track"]["value"] == "technical" and shown["track"]["interactive"] is False
    assert [value for _, value in shown["mode"]["choices"]] == ["voice"]  # only its modes
    assert shown["saved_setups"]["visible"] is False
    banner = shown["practice_banner"]["value"]
    assert WHAT_THE_COACH_SEES in banner
    assert "Acme &lt;b&gt;screen&lt;/b&gt;" in banner  # the title is text, not markup
    assert "added a question the interviewer will ask" in banner and "at most 12 minutes" in banner
    assert "you need no keys" in banner


@pytest.mark.parametrize("make", ["unknown", "tampered", "expired", "malformed"])
def test_a_link_that_is_not_live_reads_the_same_and_locks_nothing(services, make):
    link = _link(services)
    if make == "expired":
        services.clock.now += 601
    ids = {
        "unknown": "pl_" + "A" * 22,
        "tampered": link.id[:-1] + ("B" if link.id[-1] != "B" else "C"),
        "expired": link.id,
        "malformed": "../../etc/passwd",
    }
    shown = _open(services, {"practice": ids[make]})
    assert shown["practice"] is None and set(shown) == {"practice", "practice_banner"}
    assert NOT_FOUND in shown["practice_banner"]["value"]


def test_a_page_without_a_link_is_the_visitors_own(services):
    assert _open(services, {}) == {"practice": None}
