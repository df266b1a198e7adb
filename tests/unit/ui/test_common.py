"""Page-level notices built from the app's state."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from mockflow.ui.common import recovery_banner

ALICE = new_browser_id()


def services_after_damage(data_dir: Path) -> SimpleNamespace:
    store = Store(data_dir / "mockflow.json", data_dir / "sessions")
    store.create_session(ALICE, role="SRE", track="behavioral", level="mid", mode="text")
    store.close()
    (data_dir / "mockflow.json").write_bytes(b'{"users": {"1": ')
    return SimpleNamespace(store=Store(data_dir / "mockflow.json", data_dir / "sessions"))


def test_a_restored_history_is_announced_once_to_its_user(tmp_path):
    services = services_after_damage(tmp_path)
    first = recovery_banner(services, ALICE)
    assert first["visible"] and "Your history was restored from a copy made at" in first["value"]
    assert str(tmp_path) not in first["value"]
    assert recovery_banner(services, ALICE)["visible"] is False


def test_other_users_and_healthy_databases_get_no_banner(tmp_path):
    services = services_after_damage(tmp_path)
    assert recovery_banner(services, new_browser_id())["visible"] is False
    assert recovery_banner(services, None)["visible"] is False
    healthy = SimpleNamespace(store=Store(tmp_path / "other.json", tmp_path / "sessions"))
    assert recovery_banner(healthy, ALICE)["visible"] is False


def test_a_bound_handler_still_gets_the_request_from_gradio():
    import inspect

    import gradio as gr
    from gradio.utils import get_type_hints

    from mockflow.ui.common import load_identity, user_errors, with_services

    for handler in (
        with_services(load_identity, object()),
        user_errors(with_services(load_identity, object())),
    ):
        assert list(inspect.signature(handler).parameters)[:2] == ["kept", "request"]
        assert get_type_hints(handler)["request"] is gr.Request
