"""Page-level notices built from the app's state."""

from __future__ import annotations

from pathlib import Path

from mockflow.ui.common import recovery_notice


def test_a_set_aside_database_is_explained_to_the_local_user():
    notice = recovery_notice(Path("/srv/data/mockflow.json.corrupt-20261201T101010"), False)
    assert "mockflow.json.corrupt-20261201T101010" in notice
    assert "enter your keys again" in notice and "sessions/" in notice
    assert "/srv/data" not in notice  # the file's name, not the server's layout


def test_public_visitors_and_healthy_databases_get_no_notice():
    assert recovery_notice(Path("/srv/data/mockflow.json.corrupt-1"), True) == ""
    assert recovery_notice(None, False) == ""


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
