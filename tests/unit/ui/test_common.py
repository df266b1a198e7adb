"""What every page shares: who a page load acts for, in each mode, and what the browser
is given to keep; notices built from the app's state; handlers bound to the services."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from mockflow.app.identity import AnonymousCredentials
from mockflow.contracts.ids import LOCAL_USER_ID, is_browser_id, new_browser_id
from mockflow.store.db import Store
from mockflow.ui.common import identify, identify_on_space, recovery_banner

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


CREDENTIALS = AnonymousCredentials(b"s" * 32)


def test_local_mode_is_the_single_local_user():
    assert identify(False, CREDENTIALS, None) == (LOCAL_USER_ID, None)


def test_public_mode_mints_then_keeps_a_signed_credential_not_a_bare_id():
    user, kept = identify(True, CREDENTIALS, None)
    assert is_browser_id(user) and kept is not None and kept != user
    assert CREDENTIALS.user_of(kept) == user
    assert identify(True, CREDENTIALS, kept) == (user, kept)


def test_a_forged_local_or_bare_id_is_never_accepted_in_public_mode():
    victim, _ = identify(True, CREDENTIALS, None)
    for forged in ("local", "hf_someone", "b_short", "../etc", victim):
        user, kept = identify(True, CREDENTIALS, forged)
        assert user not in (forged, victim) and is_browser_id(user)
        assert CREDENTIALS.user_of(kept) == user


def test_space_uses_the_signed_in_account_else_anonymous():
    user, _ = identify_on_space(CREDENTIALS, None, SimpleNamespace(username="ana-lima"))
    assert user == "hf_ana-lima"
    anonymous, kept = identify_on_space(CREDENTIALS, None, None)
    assert is_browser_id(anonymous) and CREDENTIALS.user_of(kept) == anonymous
