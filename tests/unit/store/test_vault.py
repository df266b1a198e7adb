"""The key vault: encrypted at rest, per user, masked, and never leaking a key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from mockflow.config import EnvKeys, Settings
from mockflow.contracts.ids import LOCAL_USER_ID, new_browser_id
from mockflow.errors import ConfigError
from mockflow.store.db import Store
from mockflow.store.vault import (
    SECRET_KEY_FILE,
    KeysUndecryptableError,
    ProviderKeys,
    Vault,
    VaultError,
    key_from_secret,
    mask_secret,
    mask_url,
    master_key,
)

OPENAI = "sk-proj-Abc123Def456Ghi789Jkl012a1b2"
DEEPGRAM = "0f1e2d3c4b5a69788796a5b4c3d2e1f0c0ffee42"
LK_SECRET = "lk-secret-zYxWvUtSrQpOnMlKjIhGfEdCbA9876"
ENV_OPENAI = "sk-env-ServerWideKeyThatVisitorsMustNeverGet77"
ENV_LK_SECRET = "env-livekit-secret-neverForVisitors0000"
ALL_SECRETS = (OPENAI, DEEPGRAM, LK_SECRET, ENV_OPENAI, ENV_LK_SECRET)
ALICE = new_browser_id()
BOB = new_browser_id()
ENV = EnvKeys(
    openai_api_key=ENV_OPENAI,
    deepgram_api_key="env-deepgram-key-000000000000000000000000",
    livekit_url="wss://env.livekit.cloud",
    livekit_api_key="APIenvKey",
    livekit_api_secret=ENV_LK_SECRET,
)
KEYS = ProviderKeys(
    livekit_url="wss://mine.livekit.cloud",
    livekit_api_key="APImine12345",
    livekit_api_secret=LK_SECRET,
    openai_api_key=OPENAI,
    openai_model="gpt-4o-mini",
    deepgram_api_key=DEEPGRAM,
    stt_provider="deepgram",
    tts_voice="alloy",
)


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    for secret in ALL_SECRETS:
        assert secret not in caplog.text


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", env_keys=ENV)


@pytest.fixture
def store(settings: Settings):
    store = Store.open(settings)
    yield store
    store.close()


def make_vault(settings: Settings, store: Store, **overrides) -> Vault:
    return Vault.open(settings.with_overrides(**overrides), store)


# master key


def test_a_generated_master_key_is_kept_in_a_file_only_the_owner_can_read(settings):
    key = master_key(settings)
    path = settings.data_dir / SECRET_KEY_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_bytes().strip() == key
    assert master_key(settings) == key


def test_a_key_file_readable_by_others_is_tightened(settings):
    master_key(settings)
    path = settings.data_dir / SECRET_KEY_FILE
    path.chmod(0o644)
    master_key(settings)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_fernet_key_in_the_environment_is_used_as_is(settings):
    key = Fernet.generate_key()
    assert master_key(settings.with_overrides(secret_key=key.decode())) == key
    assert not (settings.data_dir / SECRET_KEY_FILE).exists()


def test_a_passphrase_derives_the_same_key_every_time():
    first = key_from_secret("correct horse battery staple")
    assert first == key_from_secret("correct horse battery staple")
    assert first != key_from_secret("correct horse battery stapler")
    Fernet(first)  # a valid Fernet key


def test_a_short_passphrase_is_refused_clearly():
    with pytest.raises(ConfigError, match="MOCKFLOW_SECRET_KEY"):
        key_from_secret("hunter2")


def test_a_damaged_key_file_gives_a_clear_error(settings):
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / SECRET_KEY_FILE).write_text("not a key\n")
    with pytest.raises(VaultError, match="damaged"):
        master_key(settings)


def test_an_empty_key_file_left_by_a_crash_is_replaced(settings):
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / SECRET_KEY_FILE).write_bytes(b"")
    Fernet(master_key(settings))


def test_a_key_file_that_cannot_be_created_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(VaultError, match="MOCKFLOW_SECRET_KEY"):
        master_key(Settings(data_dir=blocker / "data"))


# storing and reading keys


def test_keys_round_trip_and_are_encrypted_at_rest(settings, store):
    vault = make_vault(settings, store, public=True)
    vault.save_keys(ALICE, KEYS)
    assert vault.stored_keys(ALICE) == KEYS
    raw = settings.db_path.read_text()
    for secret in (OPENAI, DEEPGRAM, LK_SECRET, "APImine12345", "mine.livekit.cloud"):
        assert secret not in raw
    assert "gpt-4o-mini" in raw  # preferences are not secret


def test_users_cannot_read_each_others_keys(settings, store):
    vault = make_vault(settings, store, public=True)
    vault.save_keys(ALICE, KEYS)
    assert vault.stored_keys(BOB) == ProviderKeys()
    assert vault.resolve_keys(BOB).keys == ProviderKeys()


def test_a_changed_master_key_gives_a_clear_error_and_new_keys_can_be_saved(settings, store):
    make_vault(settings, store, public=True).save_keys(ALICE, KEYS)
    rotated = make_vault(settings, store, public=True, secret_key=Fernet.generate_key().decode())
    with pytest.raises(KeysUndecryptableError) as error:
        rotated.resolve_keys(ALICE)
    assert str(error.value) == (
        "Stored keys can't be decrypted (the server's secret key changed); please re-enter them."
    )
    updated = rotated.update_keys(ALICE, {"openai_api_key": OPENAI})
    assert updated == ProviderKeys(openai_api_key=OPENAI)
    assert rotated.stored_keys(ALICE) == updated


def test_update_keeps_untouched_fields_clears_empty_ones_and_trims(settings, store):
    vault = make_vault(settings, store, public=True)
    vault.save_keys(ALICE, KEYS)
    updated = vault.update_keys(
        ALICE, {"openai_api_key": f"  {OPENAI}\n", "deepgram_api_key": "", "tts_voice": None}
    )
    assert updated.openai_api_key == OPENAI
    assert updated.deepgram_api_key is None
    assert updated.tts_voice == "alloy"
    assert vault.stored_keys(ALICE) == updated
    with pytest.raises(ValueError):
        vault.update_keys(ALICE, {"aws_secret": "x"})


def test_forget_keys_removes_them_and_keeps_the_history(settings, store):
    vault = make_vault(settings, store, public=True)
    vault.save_keys(ALICE, KEYS)
    session = store.create_session(ALICE, role="x", track="behavioral", level="mid", mode="text")
    vault.forget_keys(ALICE)
    assert vault.stored_keys(ALICE) == ProviderKeys()
    assert store.get_session(ALICE, session.id).id == session.id


def test_delete_user_data_removes_keys_sessions_feedback_templates_and_folders(settings, store):
    vault = make_vault(settings, store, public=True)
    vault.save_keys(ALICE, KEYS)
    vault.save_keys(BOB, KEYS)
    session = store.create_session(ALICE, role="x", track="behavioral", level="mid", mode="text")
    Path(session.session_dir).mkdir(parents=True)
    store.save_feedback(ALICE, session.id, {"overall": 3})
    store.save_template(ALICE, "t", {"role": "x"})
    vault.delete_user_data(ALICE)
    assert vault.stored_keys(ALICE) == ProviderKeys()
    assert store.list_sessions(ALICE) == [] and store.list_templates(ALICE) == []
    assert not Path(session.session_dir).exists()
    assert vault.stored_keys(BOB) == KEYS


# server environment defaults


def test_local_single_user_gets_the_servers_keys_as_defaults(settings, store):
    resolved = make_vault(settings, store, public=False).resolve_keys(LOCAL_USER_ID)
    assert resolved.keys.openai_api_key == ENV_OPENAI
    assert resolved.keys.livekit_api_secret == ENV_LK_SECRET
    assert {"openai_api_key", "deepgram_api_key", "livekit_url"} <= resolved.from_env


def test_public_link_visitors_never_get_the_servers_keys(settings, store):
    vault = make_vault(settings, store, public=True)
    for user in (ALICE, LOCAL_USER_ID):
        resolved = vault.resolve_keys(user)
        assert resolved.keys == ProviderKeys() and not resolved.from_env
        assert ENV_OPENAI not in repr(resolved)


def test_only_the_local_user_gets_defaults_even_in_local_mode(settings, store):
    assert make_vault(settings, store, public=False).resolve_keys(ALICE).from_env == frozenset()


def test_saved_keys_win_and_a_server_key_is_never_paired_with_a_users_url(settings, store):
    vault = make_vault(settings, store, public=False)
    vault.save_keys(LOCAL_USER_ID, ProviderKeys(openai_base_url="http://127.0.0.1:11434/v1"))
    resolved = vault.resolve_keys(LOCAL_USER_ID)
    assert resolved.keys.openai_base_url == "http://127.0.0.1:11434/v1"
    assert resolved.keys.openai_api_key is None
    assert "openai_api_key" not in resolved.from_env
    assert resolved.keys.deepgram_api_key == ENV.deepgram_api_key  # other groups still filled


# masking and leaks


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("sk-proj-Abc123Def456Ghi789Jkl012a1b2", "sk-proj-…a1b2"),
        ("sk-Abc123Def456Ghi789a1b2", "sk-…a1b2"),
        ("0f1e2d3c4b5a69788796a5b4c3d2e1f0c0ffee42", "…ee42"),
        ("sk-short", "sk-…"),
        ("abc", "…"),
        (None, ""),
    ],
)
def test_masked_secrets_show_at_most_the_last_four_characters(secret, shown):
    assert mask_secret(secret) == shown


def test_masked_urls_hide_credentials_only():
    assert mask_url("wss://mine.livekit.cloud") == "wss://mine.livekit.cloud"
    assert mask_url("https://user:pa55word@llm.example/v1") == "https://…@llm.example/v1"


def test_masked_view_and_repr_never_contain_a_secret():
    masked = KEYS.masked()
    assert masked["openai_api_key"] == "sk-proj-…a1b2"
    assert masked["livekit_url"] == "wss://mine.livekit.cloud"
    assert masked["tts_voice"] == "alloy"
    for text in (repr(KEYS), str(KEYS), repr(masked)):
        for secret in ALL_SECRETS:
            assert secret not in text


def test_no_error_or_log_line_carries_a_key(settings, store, caplog):
    vault = make_vault(settings, store, public=False)
    vault.save_keys(LOCAL_USER_ID, KEYS)
    rotated = make_vault(settings, store, public=False, secret_key=Fernet.generate_key().decode())
    with pytest.raises(KeysUndecryptableError) as error:
        rotated.resolve_keys(LOCAL_USER_ID)
    rotated.update_keys(LOCAL_USER_ID, {"deepgram_api_key": DEEPGRAM})
    rotated.forget_keys(LOCAL_USER_ID)
    text = str(error.value) + repr(error.value) + caplog.text
    for secret in ALL_SECRETS:
        assert secret not in text
