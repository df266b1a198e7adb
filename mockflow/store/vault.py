"""Provider keys per user, encrypted at rest (Fernet), with masked display.

The master key comes from `MOCKFLOW_SECRET_KEY` (`Settings.secret_key`): a Fernet key is
used as is; any other value is a passphrase stretched with scrypt (n=2**15, r=8, p=1) and
the fixed salt `KDF_SALT`, so the same passphrase gives the same key on every start.
Without it, a key is generated once into `<data_dir>/secret.key` with mode 0600. Losing
or changing the master key makes stored keys unreadable: that is reported as
`KeysUndecryptableError`, and saving new keys replaces the unreadable ones.

Secrets and URLs are encrypted together as one token per user; the preferences in
`PREF_FIELDS` (model, STT and TTS provider, voice, local models) are stored in the clear.

Keys from the server's environment (`Settings.env_keys`) fill in for the local single user
only (`Settings.public` False), and only per provider group the user left entirely empty,
so a server key is never paired with a URL the user typed. Public-link visitors never get
them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from mockflow.config import EnvKeys, Settings
from mockflow.contracts.ids import LOCAL_USER_ID
from mockflow.errors import ConfigError, MockflowError
from mockflow.private_files import make_private_dir
from mockflow.store.db import Store

log = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret.key"
KDF_SALT = b"mockflow-vault-master-key-v1"
MIN_PASSPHRASE_CHARS = 12
SECRET_FIELDS = (
    "livekit_url",
    "livekit_api_key",
    "livekit_api_secret",
    "openai_api_key",
    "openai_base_url",
    "deepgram_api_key",
)
PREF_FIELDS = ("openai_model", "stt_provider", "tts_voice", "models", "tts_provider")
MASKED_FIELDS = frozenset(
    {"livekit_api_key", "livekit_api_secret", "openai_api_key", "deepgram_api_key"}
)
# Server defaults apply per group: a group the user filled in any part of is theirs alone.
ENV_GROUPS = (
    ("livekit_url", "livekit_api_key", "livekit_api_secret"),
    ("openai_api_key", "openai_base_url"),
    ("deepgram_api_key",),
)
_KEY_PREFIX = re.compile(r"[A-Za-z]{2,4}-(?:[A-Za-z]{2,8}-)?")


class VaultError(MockflowError):
    """The master key is missing, malformed or cannot be created."""


class KeysUndecryptableError(VaultError):
    """Stored keys were encrypted with another master key."""

    def __init__(self) -> None:
        super().__init__(
            "Stored keys can't be decrypted (the server's secret key changed); "
            "please re-enter them."
        )


@dataclass(frozen=True, repr=False)
class ProviderKeys:
    """One user's provider settings; `repr` shows masked values only."""

    livekit_url: str | None = None
    livekit_api_key: str | None = None
    livekit_api_secret: str | None = None
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None
    deepgram_api_key: str | None = None
    stt_provider: str | None = None  # deepgram | openai | local
    tts_voice: str | None = None
    models: str | None = None  # "local": the app's own language model, no account
    tts_provider: str | None = None  # openai | local

    @property
    def local_llm(self) -> bool:
        return self.models == "local"

    @property
    def local_stt(self) -> bool:
        return self.stt_provider == "local"

    @property
    def local_tts(self) -> bool:
        return self.tts_provider == "local"

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> ProviderKeys:
        known = {f.name for f in fields(cls)}
        return cls(**{k: _clean(v) for k, v in values.items() if k in known})

    def masked(self) -> dict[str, str]:
        """Every field as safe to display: secrets as `sk-…a1b2`, "" when not set."""
        return {name: mask_value(name, value) for name, value in asdict(self).items()}

    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.masked().items() if v)
        return f"ProviderKeys({shown})"


@dataclass(frozen=True)
class ResolvedKeys:
    """The keys an interview will use; `from_env` names fields filled from the server."""

    keys: ProviderKeys
    from_env: frozenset[str] = frozenset()


def mask_secret(value: str | None) -> str:
    """`sk-proj-…a1b2`: a known type prefix and at most the last 4 characters."""
    if not value:
        return ""
    prefix_match = _KEY_PREFIX.match(value)
    prefix = prefix_match.group(0) if prefix_match else ""
    if len(value) - len(prefix) < 12:
        return prefix + "…" if len(value) - len(prefix) >= 4 else "…"
    return f"{prefix}…{value[-4:]}"


def mask_url(value: str | None) -> str:
    """A URL as typed, minus any user:password part."""
    if not value:
        return ""
    parts = urlsplit(value)
    if "@" not in parts.netloc:
        return value
    return urlunsplit(parts._replace(netloc="…@" + parts.netloc.rpartition("@")[2]))


def mask_value(name: str, value: str | None) -> str:
    if name in MASKED_FIELDS:
        return mask_secret(value)
    if name.endswith("_url"):
        return mask_url(value)
    return value or ""


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# master key


def master_key(settings: Settings) -> bytes:
    """The Fernet key from `Settings.secret_key`, else from (or into) `secret.key`."""
    if settings.secret_key:
        return key_from_secret(settings.secret_key)
    return load_or_create_key_file(settings.data_dir / SECRET_KEY_FILE)


def key_from_secret(secret: str) -> bytes:
    """A Fernet key as given, or one derived from a passphrase (scrypt, fixed salt)."""
    secret = secret.strip()
    with contextlib.suppress(ValueError):
        Fernet(secret.encode())
        return secret.encode()
    if len(secret) < MIN_PASSPHRASE_CHARS:
        raise ConfigError(
            "MOCKFLOW_SECRET_KEY must be a Fernet key or a passphrase of at least "
            f"{MIN_PASSPHRASE_CHARS} characters."
        )
    kdf = Scrypt(salt=KDF_SALT, length=32, n=2**15, r=8, p=1)
    return base64.urlsafe_b64encode(kdf.derive(secret.encode("utf-8")))


def load_or_create_key_file(path: Path) -> bytes:
    """Read the key file, creating it (mode 0600) on first use."""
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        return _create_key_file(path)
    except OSError as exc:
        raise VaultError(
            f"Can't read the secret key file {path} ({exc.strerror}). Check the data folder "
            "or set MOCKFLOW_SECRET_KEY."
        ) from None
    if not key:
        # Only a crash between creating and syncing the file leaves it empty, and then
        # the key was never handed out: nothing can have been encrypted with it.
        path.unlink()
        return _create_key_file(path)
    try:
        Fernet(key)
    except ValueError:
        raise VaultError(
            f"The secret key file {path} is damaged. Restore it from a backup, or delete it "
            "to make a new one (saved provider keys will then have to be re-entered)."
        ) from None
    _tighten_mode(path)
    return key


def _create_key_file(path: Path) -> bytes:
    key = Fernet.generate_key()
    try:
        make_private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_key_file(path)
    except OSError as exc:
        raise VaultError(
            f"Can't create the secret key file {path} ({exc.strerror}). Make the data "
            "folder writable or set MOCKFLOW_SECRET_KEY."
        ) from None
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)  # whatever the umask
        f.write(key + b"\n")
        f.flush()
        os.fsync(f.fileno())
    log.info("generated a new master key in %s", path)
    return key


def _tighten_mode(path: Path) -> None:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("secret key file %s was readable by others (%o); set it to 0600", path, mode)
        with contextlib.suppress(OSError):
            path.chmod(0o600)


# the vault


class Vault:
    """Encrypts, stores and resolves one user's provider keys through the `Store`."""

    def __init__(self, store: Store, fernet_key: bytes, *, public: bool, env_keys: EnvKeys) -> None:
        self._store = store
        self._master = fernet_key
        self._fernet = Fernet(fernet_key)
        self._public = public
        self._env_keys = env_keys

    @classmethod
    def open(cls, settings: Settings, store: Store) -> Vault:
        return cls(store, master_key(settings), public=settings.public, env_keys=settings.env_keys)

    def derive_key(self, purpose: str) -> bytes:
        """A key for one other purpose (signing credentials, ...), derived from the master
        key: stable across restarts, and revealing nothing of the master key."""
        return hmac.new(self._master, b"mockflow:" + purpose.encode(), hashlib.sha256).digest()

    def save_keys(self, user_id: str, keys: ProviderKeys) -> None:
        """Replace everything stored for this user with `keys`."""
        if keys.is_empty():
            self._store.set_user_keys(user_id, None)
            return
        values = asdict(keys)
        secrets_blob = {k: values[k] for k in SECRET_FIELDS if values[k]}
        record = {
            "v": 1,
            "secret": self._fernet.encrypt(json.dumps(secrets_blob).encode()).decode(),
            "prefs": {k: values[k] for k in PREF_FIELDS if values[k]},
            "updated_at": time.time(),
        }
        self._store.set_user_keys(user_id, record)

    def update_keys(self, user_id: str, changes: Mapping[str, str | None]) -> ProviderKeys:
        """Change some fields: a value sets, "" clears, None keeps the stored one.

        Stored keys that can no longer be decrypted are dropped, since the user is
        re-entering them."""
        unknown = set(changes) - {f.name for f in fields(ProviderKeys)}
        if unknown:
            raise ValueError(f"unknown key fields: {sorted(unknown)}")
        try:
            current = self.stored_keys(user_id)
        except KeysUndecryptableError:
            log.warning("dropping undecryptable stored keys of user %s", user_id)
            current = ProviderKeys()
        updated = replace(current, **{k: _clean(v) for k, v in changes.items() if v is not None})
        self.save_keys(user_id, updated)
        return updated

    def stored_keys(self, user_id: str) -> ProviderKeys:
        """What this user saved (no server defaults); raises KeysUndecryptableError."""
        record = self._store.get_user_keys(user_id)
        if not record:
            return ProviderKeys()
        try:
            blob = json.loads(self._fernet.decrypt(record["secret"].encode()))
        except (InvalidToken, KeyError, ValueError, AttributeError):
            raise KeysUndecryptableError() from None
        return ProviderKeys.from_dict({**blob, **record.get("prefs", {})})

    def resolve_keys(self, user_id: str) -> ResolvedKeys:
        """Stored keys plus, for the local single user only, the server's defaults."""
        stored = self.stored_keys(user_id)
        if self._public or user_id != LOCAL_USER_ID:
            return ResolvedKeys(stored)
        env = asdict(self._env_keys)
        values = asdict(stored)
        filled: set[str] = set()
        for group in ENV_GROUPS:
            if any(values[name] for name in group):
                continue
            for name in group:
                if env.get(name):
                    values[name] = env[name]
                    filled.add(name)
        return ResolvedKeys(ProviderKeys(**values), frozenset(filled))

    def forget_keys(self, user_id: str) -> None:
        self._store.set_user_keys(user_id, None)
        log.info("forgot the stored keys of user %s", user_id)

    def delete_user_data(self, user_id: str) -> None:
        """Keys, sessions with their folders, feedback and templates of this user, in the
        database and in every copy of it kept on disk (`Store.delete_user_data`)."""
        self._store.delete_user_data(user_id)
        log.info("deleted all data of user %s", user_id)
