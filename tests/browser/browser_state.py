"""Read what a Gradio `BrowserState` keeps in the page's localStorage.

Gradio's page stores "<random IV>:<ciphertext>", the ciphertext from crypto-js's
passphrase AES with the SHA-256 hex of the secret as the passphrase (the OpenSSL
"Salted__" format: key and IV from MD5 over the passphrase and an 8-byte salt, then
AES-256-CBC; the stored IV goes unused); the secret is in the page's own config. Tests
decrypt it to wait for the value they expect rather than for "some write happened".
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from playwright.sync_api import Page

_SECRET_OF = """(key) => {
  const found = (window.gradio_config?.components || []).find(
    (c) => c.props && c.props.storage_key === key);
  return found ? found.props.secret : null;
}"""


def browser_state(page: Page, storage_key: str) -> Any:
    """The decrypted value under `storage_key`, or None when nothing is stored yet."""
    stored = page.evaluate("(key) => localStorage.getItem(key)", storage_key)
    if not stored:
        return None
    secret = page.evaluate(_SECRET_OF, storage_key)
    assert secret, f"no BrowserState with storage key {storage_key!r} on the page"
    return json.loads(_decrypt(stored, secret))


def _decrypt(stored: str, secret: str) -> str:
    passphrase = hashlib.sha256(secret.encode()).hexdigest().encode()
    raw = base64.b64decode(stored.split(":", 1)[1])
    assert raw[:8] == b"Salted__", "not crypto-js passphrase AES"
    salt, body = raw[8:16], raw[16:]
    derived, block = b"", b""
    while len(derived) < 48:  # OpenSSL's EVP_BytesToKey with MD5, one round
        block = hashlib.md5(block + passphrase + salt).digest()
        derived += block
    decryptor = Cipher(algorithms.AES(derived[:32]), modes.CBC(derived[32:48])).decryptor()
    padded = decryptor.update(body) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode()
