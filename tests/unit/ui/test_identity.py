"""Who a page load acts for, in each mode, and what the browser is given to keep."""

from __future__ import annotations

from types import SimpleNamespace

from mockflow.app.identity import AnonymousCredentials
from mockflow.contracts.ids import LOCAL_USER_ID, is_browser_id
from mockflow.ui.common import identify, identify_on_space

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
