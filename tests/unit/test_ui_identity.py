"""Who a page load acts for, in each mode."""

from __future__ import annotations

from types import SimpleNamespace

from mockflow.identity import LOCAL_USER_ID, is_browser_id
from mockflow.ui.common import identify, identify_on_space


def test_local_mode_is_the_single_local_user():
    assert identify(False, None) == (LOCAL_USER_ID, None)


def test_public_mode_mints_then_keeps_a_browser_id():
    user, kept = identify(True, None)
    assert is_browser_id(user) and kept == user
    assert identify(True, kept) == (user, user)


def test_a_forged_or_local_id_is_never_accepted_in_public_mode():
    for forged in ("local", "hf_someone", "b_short", "../etc"):
        user, _ = identify(True, forged)
        assert user != forged and is_browser_id(user)


def test_space_uses_the_signed_in_account_else_anonymous():
    user, _ = identify_on_space(None, SimpleNamespace(username="ana-lima"))
    assert user == "hf_ana-lima"
    anonymous, kept = identify_on_space(None, None)
    assert is_browser_id(anonymous) and kept == anonymous
