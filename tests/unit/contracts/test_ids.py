"""Ids: nothing that could leave the sessions folder names a session; a visitor may name
only the form the app issues; user ids of the three kinds, and nothing posing as one."""

from __future__ import annotations

import pytest

from mockflow.contracts.ids import (
    LOCAL_USER_ID,
    hf_user_id,
    is_browser_id,
    is_issued_session_id,
    is_session_id,
    is_valid_user_id,
    new_browser_id,
    new_session_id,
)


@pytest.mark.parametrize(
    "value", ["../etc", "a/b", "..", "", "x" * 81, "iv_1\n", " iv_1", "ä", None, 7]
)
def test_nothing_that_could_leave_the_sessions_folder_names_a_session(value) -> None:
    assert not is_session_id(value)


def test_issued_ids_are_unguessable_and_the_only_ones_a_visitor_may_name() -> None:
    issued = {new_session_id() for _ in range(200)}
    assert len(issued) == 200
    assert all(is_issued_session_id(i) and is_session_id(i) for i in issued)
    assert is_session_id("rehearsal_1") and not is_issued_session_id("rehearsal_1")
    assert not is_issued_session_id("iv_short")


def test_browser_ids_are_fresh_and_well_formed() -> None:
    ids = {new_browser_id() for _ in range(200)}
    assert len(ids) == 200 and all(is_browser_id(i) and is_valid_user_id(i) for i in ids)
    assert not is_browser_id("b_" + "x" * 31)


def test_hugging_face_accounts_map_to_their_own_ids_and_malformed_names_are_refused() -> None:
    assert hf_user_id("ana-lopez") == "hf_ana-lopez"
    assert is_valid_user_id("hf_ana-lopez") and is_valid_user_id(LOCAL_USER_ID)
    for bad in ("", "-ana", "ana/../x", "a" * 97):
        with pytest.raises(ValueError):
            hf_user_id(bad)
    assert not is_valid_user_id("hf_") and not is_valid_user_id("admin")
