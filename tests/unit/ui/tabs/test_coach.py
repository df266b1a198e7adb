"""Who sees the Coach tab: never a practice link's candidate; on a public link its
coaches; on one's own machine whoever has made a link, and Settings offers it before."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from mockflow.ui.tabs.coach import coach_tab_visible
from mockflow.ui.tabs.settings import coach_offer_visible

PRACTICE_PAGE = SimpleNamespace(query_params={"practice": "pl_abc"})
OWN_PAGE = SimpleNamespace(query_params={})


@pytest.fixture
def store(tmp_path):
    opened = Store.open(Settings(data_dir=tmp_path))
    yield opened
    opened.close()


def _services(store: Store, tmp_path, *, public: bool) -> SimpleNamespace:
    return SimpleNamespace(store=store, settings=Settings(data_dir=tmp_path, public=public))


def _shown(update) -> bool:
    return bool(update["visible"])


def test_on_ones_own_machine_the_tab_waits_for_a_link_and_settings_offers_it(store, tmp_path):
    services = _services(store, tmp_path, public=False)
    assert not _shown(coach_tab_visible(services, "local", OWN_PAGE))  # type: ignore[arg-type]
    assert _shown(coach_offer_visible(services, "local", OWN_PAGE))  # type: ignore[arg-type]
    store.create_practice_link(
        "local", title="Acme", setup={"role": "SRE"}, expires_at=time.time() + 3600
    )
    assert _shown(coach_tab_visible(services, "local", OWN_PAGE))  # type: ignore[arg-type]
    assert not _shown(coach_offer_visible(services, "local", OWN_PAGE))  # type: ignore[arg-type]
    # the candidate who opens that link on this machine sees neither
    assert not _shown(coach_tab_visible(services, "local", PRACTICE_PAGE))  # type: ignore[arg-type]
    assert not _shown(coach_offer_visible(services, "local", PRACTICE_PAGE))  # type: ignore[arg-type]


def test_on_a_public_link_only_its_coaches_see_the_tab(store, tmp_path):
    services = _services(store, tmp_path, public=True)
    visitor, coach = new_browser_id(), new_browser_id()
    assert not _shown(coach_tab_visible(services, visitor, OWN_PAGE))  # type: ignore[arg-type]
    assert not _shown(coach_offer_visible(services, visitor, OWN_PAGE))  # type: ignore[arg-type]
    store.set_coach(coach, True)
    assert _shown(coach_tab_visible(services, coach, OWN_PAGE))  # type: ignore[arg-type]
    assert not _shown(coach_tab_visible(services, coach, PRACTICE_PAGE))  # type: ignore[arg-type]
