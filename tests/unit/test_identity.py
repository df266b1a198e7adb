"""User ids: unguessable browser ids, and no way for a browser to pose as another kind."""

from __future__ import annotations

import pytest

from mockflow.identity import (
    LOCAL_USER_ID,
    hf_user_id,
    is_browser_id,
    is_valid_user_id,
    new_browser_id,
    resolve_identity,
)


def test_browser_ids_are_random_and_carry_at_least_128_bits():
    ids = {new_browser_id() for _ in range(1000)}
    assert len(ids) == 1000
    for user_id in list(ids)[:20]:
        assert user_id.startswith("b_")
        assert len(user_id) - 2 >= 22  # 22 url-safe chars = 132 bits
        assert is_browser_id(user_id) and is_valid_user_id(user_id)


def test_hugging_face_users_get_a_prefixed_id_that_no_browser_id_can_match():
    user_id = hf_user_id("ada-lovelace")
    assert user_id == "hf_ada-lovelace"
    assert is_valid_user_id(user_id)
    assert not is_browser_id(user_id)


@pytest.mark.parametrize("name", ["", "-lead", "a/b", "../x", "a b", "x" * 200])
def test_malformed_hugging_face_names_are_refused(name):
    with pytest.raises(ValueError):
        hf_user_id(name)


@pytest.mark.parametrize(
    "value", [None, "", "b_short", "admin", "hf_", "hf_../etc", "b_" + "x" * 31 + "/", 42]
)
def test_invalid_user_ids(value):
    assert not is_valid_user_id(value)


def test_local_mode_is_always_the_single_local_user():
    browser_id = new_browser_id()
    identity = resolve_identity(public=False, browser_id=browser_id, hf_username="ada")
    assert identity.user_id == LOCAL_USER_ID
    assert not identity.is_new


def test_public_mode_keeps_a_well_formed_browser_id():
    browser_id = new_browser_id()
    identity = resolve_identity(public=True, browser_id=browser_id)
    assert identity.user_id == browser_id
    assert not identity.is_new


def test_public_mode_prefers_the_signed_in_hugging_face_user():
    identity = resolve_identity(public=True, browser_id=new_browser_id(), hf_username="ada")
    assert identity.user_id == "hf_ada"


@pytest.mark.parametrize("forged", [None, "", LOCAL_USER_ID, "hf_ada", "b_guess"])
def test_public_mode_never_accepts_a_forged_or_missing_browser_id(forged):
    identity = resolve_identity(public=True, browser_id=forged)
    assert identity.is_new
    assert is_browser_id(identity.user_id)
    assert identity.user_id != forged
