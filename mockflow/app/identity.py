"""User identity: who owns a set of keys, sessions and feedback.

Three kinds of user id, told apart by their shape so that one kind can never pose as
another:

- `local` — the one user of a local, single-user install (`Settings.public` is False);
- `b_<32 url-safe chars>` — an anonymous visitor of a public link; 192 random bits minted
  by the server;
- `hf_<username>` — a Hugging Face user signed in through OAuth on a Space.

A browser or an API client never hands the server a user id: it hands back the
*credential* the server issued, `b_<id>.<signature>` (an HMAC-SHA256 of the id under a key
derived from the master key, `AnonymousCredentials`). Only a credential the server signed
is accepted, and only ever for an anonymous id: `local` and `hf_*` identities come from the
server side alone (local mode; the Space's OAuth session). Anything else gets a fresh
anonymous id. The key survives restarts with the master key, so does every identity.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

from mockflow.contracts.ids import (
    LOCAL_USER_ID,
    hf_user_id,
    is_browser_id,
    new_browser_id,
)

SIGNATURE_CHARS = 32  # 192 bits of the HMAC, url-safe base64


@dataclass(frozen=True)
class Identity:
    """The user a request acts for; `is_new` means the browser must store `user_id`."""

    user_id: str
    is_new: bool = False


@dataclass(frozen=True)
class AnonymousCredentials:
    """Issues and checks the credentials of anonymous users; `repr` hides the key."""

    key: bytes = field(repr=False)

    def issue(self, user_id: str) -> str:
        """The credential of an anonymous user id (raises ValueError for any other id)."""
        if not is_browser_id(user_id):
            raise ValueError("only anonymous ids get a credential")
        return f"{user_id}.{self._sign(user_id)}"

    def user_of(self, credential: object) -> str | None:
        """The anonymous user id a credential this server issued names, else None."""
        if not isinstance(credential, str) or credential.count(".") != 1:
            return None
        user_id, signature = credential.split(".")
        if not is_browser_id(user_id):
            return None
        return user_id if hmac.compare_digest(signature, self._sign(user_id)) else None

    def _sign(self, user_id: str) -> str:
        digest = hmac.new(self.key, user_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def resolve_identity(
    *,
    public: bool,
    credentials: AnonymousCredentials,
    credential: str | None = None,
    hf_username: str | None = None,
) -> Identity:
    """Decide whose data a request may touch.

    Local mode is always the single local user. In public mode a signed-in Hugging Face
    user wins; otherwise the credential the browser kept names its anonymous user if this
    server issued it, and a new anonymous user is minted if not (`is_new`).
    """
    if not public:
        return Identity(LOCAL_USER_ID)
    if hf_username:
        return Identity(hf_user_id(hf_username))
    user_id = credentials.user_of(credential)
    if user_id is not None:
        return Identity(user_id)
    return Identity(new_browser_id(), is_new=True)
