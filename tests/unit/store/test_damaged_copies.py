"""The damaged database kept aside after a recovery keeps no keys, and "Delete my data"
reaches it (and every session folder the user owns) like every other copy."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from mockflow.config import EnvKeys
from mockflow.store.recovery import forget_user_in_damaged
from mockflow.store.vault import ProviderKeys, Vault
from tests.unit.store.helpers import ALICE, BOB, new_session, open_store, write_owner_meta

ALICE_KEY = "sk-alice-private-key-123456789"
BOB_KEY = "sk-bob-private-key-987654321"


def _tokens(raw: bytes) -> list[bytes]:
    return [t for t in raw.split(b'"') if t.startswith(b"gAAAAA")]


def _fill(data_dir: Path, master: bytes) -> None:
    store = open_store(data_dir)
    vault = Vault(store, master, public=True, env_keys=EnvKeys())
    for user, key in ((ALICE, ALICE_KEY), (BOB, BOB_KEY)):
        vault.save_keys(user, ProviderKeys(openai_api_key=key))
        write_owner_meta(new_session(store, user))
    store.close()


def _damage(data_dir: Path) -> bytes:
    db = data_dir / "mockflow.json"
    db.write_bytes(db.read_bytes() + b"\x00garbage")  # the whole file, no longer JSON
    return db.read_bytes()


def test_the_damaged_file_kept_aside_keeps_no_keys(data_dir):
    master = Fernet.generate_key()
    _fill(data_dir, master)
    damaged = _damage(data_dir)
    assert _tokens(damaged)  # as found: both users' key records
    store = open_store(data_dir)
    aside = store.recovered_from.read_bytes()
    assert not _tokens(aside) and b"gAAAAA" not in aside
    assert ALICE.encode() in aside  # the rest is kept for the operator
    # the live database came back from a copy with the keys
    vault = Vault(store, master, public=True, env_keys=EnvKeys())
    assert vault.stored_keys(BOB).openai_api_key == BOB_KEY
    store.close()


def test_delete_removes_a_damaged_copy_that_cannot_be_parsed(data_dir):
    _fill(data_dir, Fernet.generate_key())
    _damage(data_dir)
    store = open_store(data_dir)
    aside = store.recovered_from
    store.delete_user_data(ALICE)
    assert not aside.exists()
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert ALICE.encode() not in path.read_bytes(), path.name
    assert store.list_sessions(BOB)  # Bob keeps everything
    store.close()


def test_a_damaged_copy_that_parses_is_rewritten_without_the_user(data_dir):
    data_dir.mkdir(parents=True)
    aside = data_dir / "mockflow.json.corrupt-20261207T100000"
    kept = {"user_id": BOB, "role": "Dev"}
    damaged = {
        "users": {"1": {"user_id": ALICE, "keys": {"secret": "x"}}, "2": {"user_id": BOB}},
        "sessions": [{"user_id": ALICE, "role": "Dev"}, kept],  # the wrong shape: a list
        "practice_link_uses": {"1": {"candidate_id": ALICE, "link": "pl_1"}},
        "notes": [f"about {ALICE}", "other"],
    }
    aside.write_text(json.dumps(damaged))
    untouched = data_dir / "mockflow.json.corrupt-20261207T090000"
    untouched.write_bytes(b'{"users": {"1": {"user_id": "' + BOB.encode() + b'"}')
    forget_user_in_damaged(data_dir / "mockflow.json", ALICE)
    assert json.loads(aside.read_text()) == {
        "users": {"2": {"user_id": BOB}},
        "sessions": [kept],
        "practice_link_uses": {},
        "notes": ["other"],
    }
    assert BOB.encode() in untouched.read_bytes()  # never named Alice: left as it was


def test_delete_reaches_session_folders_the_index_lost(store):
    indexed = new_session(store, ALICE)
    write_owner_meta(indexed)
    lost = Path(store.sessions_dir) / "iv_lostFolder0000000000A"
    lost.mkdir()
    (lost / "meta.json").write_text(json.dumps({"user_id": ALICE, "candidate_name": "Ana"}))
    bobs = new_session(store, BOB)
    write_owner_meta(bobs)
    store.delete_user_data(ALICE)
    assert not Path(indexed.session_dir).exists() and not lost.exists()
    assert Path(bobs.session_dir).exists()


def test_no_token_left_opens_with_the_master_key(data_dir):
    master = Fernet.generate_key()
    _fill(data_dir, master)
    _damage(data_dir)
    store = open_store(data_dir)
    store.delete_user_data(ALICE)
    store.close()
    fernet = Fernet(master)
    opened = []
    for path in data_dir.rglob("*"):
        for token in _tokens(path.read_bytes()) if path.is_file() else []:
            try:
                opened.append(fernet.decrypt(token))
            except InvalidToken:
                continue
    assert opened and not any(ALICE_KEY.encode() in plain for plain in opened)
    assert any(BOB_KEY.encode() in plain for plain in opened)
