"""Secrets kept in the database encrypted: chat webhook URLs (issue 13).

A Slack, Teams, Discord or Google Chat webhook URL is a bearer credential: whoever reads it
can post into that channel. The database therefore holds it sealed, and looks it up by a
keyed fingerprint, never by the URL itself:

- `seal` / `unseal`: Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`), so a sealed
  value that was altered, cut short or sealed under another key is refused (`SealError`), never
  decrypted into something else. Each seal is different (random IV): two rows with the same URL
  do not show it.
- `fingerprint`: HMAC-SHA256 of the (normalised) value, for a unique index or "is this URL
  already subscribed?" without decrypting every row.

Both keys are derived from SECRET_KEY with HKDF under their own labels, so neither is the key
that signs sessions and links, and knowing one derived key tells nothing about the other.
Changing SECRET_KEY makes sealed values unreadable: SECRET_KEY_FALLBACKS (Flask's list of
previous keys) are tried in turn by `unseal`, so a rotation keeps old rows readable until they
are sealed again; fingerprints are always made with the current key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SEAL_LABEL = b"statuspage.sealing.fernet.v1"
FINGERPRINT_LABEL = b"statuspage.sealing.fingerprint.v1"


class SealError(Exception):
    """A sealed value that cannot be opened: altered, truncated, or sealed under another key."""


@lru_cache(maxsize=16)
def derive_key(secret: str, label: bytes) -> bytes:
    """32 bytes derived from `secret` for one purpose (`label`), by HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label
                ).derive(secret.encode("utf-8"))


def _secrets(secret_key: str | None, fallbacks: Sequence[str] | None) -> list[str]:
    if secret_key is not None:
        return [secret_key, *(fallbacks or ())]
    config = current_app.config
    return [str(config["SECRET_KEY"]),
            *(str(key) for key in (config.get("SECRET_KEY_FALLBACKS") or ()))]


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret, SEAL_LABEL)))


def seal(plaintext: str, *, secret_key: str | None = None) -> str:
    """`plaintext` encrypted and authenticated under the app's key (or `secret_key`): ASCII."""
    [current, *_] = _secrets(secret_key, None)
    return _fernet(current).encrypt(plaintext.encode("utf-8")).decode("ascii")


def unseal(sealed: str, *, secret_key: str | None = None,
           fallbacks: Sequence[str] | None = None) -> str:
    """The plaintext of a `seal`ed value; SealError if it was altered or sealed under a key
    that is neither the current one nor one of the fallbacks."""
    keys = _secrets(secret_key, fallbacks)
    try:
        token = sealed.encode("ascii")
        return MultiFernet([_fernet(key) for key in keys]).decrypt(token).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError, TypeError):
        raise SealError("The sealed value is not valid: altered, or sealed under another "
                        "key.") from None


def fingerprint(value: str, *, secret_key: str | None = None) -> str:
    """A keyed HMAC-SHA256 of `value` (64 hex digits): equal values give equal fingerprints,
    and nobody without SECRET_KEY can test a guessed URL against one."""
    [current, *_] = _secrets(secret_key, None)
    key = derive_key(current, FINGERPRINT_LABEL)
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
