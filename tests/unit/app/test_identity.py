"""User ids: unguessable browser ids, and no way for a browser to pose as another kind."""

from __future__ import annotations

import pytest

from mockflow.app.identity import AnonymousCredentials, resolve_identity
from mockflow.contracts.ids import (
    LOCAL_USER_ID,
    hf_user_id,
    is_browser_id,
    is_valid_user_id,
    new_browser_id,
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


CREDENTIALS = AnonymousCredentials(b"k" * 32)


def test_local_mode_is_always_the_single_local_user():
    credential = CREDENTIALS.issue(new_browser_id())
    identity = resolve_identity(
        public=False, credentials=CREDENTIALS, credential=credential, hf_username="ada"
    )
    assert identity.user_id == LOCAL_USER_ID
    assert not identity.is_new


def test_public_mode_keeps_the_user_of_a_credential_it_issued():
    user_id = new_browser_id()
    identity = resolve_identity(
        public=True, credentials=CREDENTIALS, credential=CREDENTIALS.issue(user_id)
    )
    assert identity.user_id == user_id
    assert not identity.is_new


def test_public_mode_prefers_the_signed_in_hugging_face_user():
    identity = resolve_identity(
        public=True,
        credentials=CREDENTIALS,
        credential=CREDENTIALS.issue(new_browser_id()),
        hf_username="ada",
    )
    assert identity.user_id == "hf_ada"


def _forgeries() -> list[object]:
    victim = new_browser_id()
    good = CREDENTIALS.issue(victim)
    other_server = AnonymousCredentials(b"x" * 32).issue(victim)
    return [
        None,
        "",
        42,
        LOCAL_USER_ID,
        "hf_ada",
        "b_guess",
        victim,  # bare ids
        f"{LOCAL_USER_ID}.{good.split('.')[1]}",
        f"hf_ada.{good.split('.')[1]}",
        good[:-1] + ("A" if good[-1] != "A" else "B"),
        good + ".x",
        other_server,
    ]


@pytest.mark.parametrize("forged", _forgeries())
def test_public_mode_never_accepts_a_forged_missing_or_foreign_credential(forged):
    identity = resolve_identity(public=True, credentials=CREDENTIALS, credential=forged)
    assert identity.is_new
    assert is_browser_id(identity.user_id)
    assert identity.user_id not in str(forged)


def test_only_anonymous_ids_get_a_credential():
    for user_id in (LOCAL_USER_ID, "hf_ada"):
        with pytest.raises(ValueError):
            CREDENTIALS.issue(user_id)
    assert repr(CREDENTIALS).count("k" * 32) == 0
