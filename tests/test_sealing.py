"""core.sealing: chat webhook URLs encrypted at rest, and looked up by a keyed fingerprint."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask

from statuspage.core.sealing import SealError, fingerprint, seal, unseal

URL = "https://hooks.slack.com/services/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"
KEY, OTHER = "a-secret-key-of-the-app-0123456789", "another-secret-key-9876543210"


def test_a_sealed_url_opens_to_itself_and_shows_nothing_of_it() -> None:
    sealed = seal(URL, secret_key=KEY)
    assert unseal(sealed, secret_key=KEY) == URL
    assert "Xq7bT2" not in sealed and "slack" not in sealed and sealed.isascii()
    assert seal(URL, secret_key=KEY) != sealed  # a random IV each time


@pytest.mark.parametrize("tamper", [
    lambda s: s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1],  # the MAC
    lambda s: s[:30] + ("x" if s[30] != "x" else "y") + s[31:],  # the ciphertext
    lambda s: s[:40],
    lambda s: "",
    lambda s: "not base64 at all ☃",
])
def test_an_altered_sealed_value_is_refused(tamper: object) -> None:
    sealed = seal(URL, secret_key=KEY)
    with pytest.raises(SealError):
        unseal(tamper(sealed), secret_key=KEY)  # type: ignore[operator]


def test_another_key_cannot_open_it_but_a_fallback_key_can() -> None:
    sealed = seal(URL, secret_key=OTHER)
    with pytest.raises(SealError):
        unseal(sealed, secret_key=KEY)
    assert unseal(sealed, secret_key=KEY, fallbacks=[OTHER]) == URL


def test_the_key_is_derived_not_the_secret_key_itself() -> None:
    raw = Fernet(base64.urlsafe_b64encode(KEY.encode()[:32]))
    sealed = seal(URL, secret_key=KEY)
    with pytest.raises(InvalidToken):
        raw.decrypt(sealed.encode())


def test_fingerprints_are_stable_and_keyed() -> None:
    assert fingerprint(URL, secret_key=KEY) == fingerprint(URL, secret_key=KEY)
    assert fingerprint(URL, secret_key=KEY) != fingerprint(URL + "x", secret_key=KEY)
    assert fingerprint(URL, secret_key=KEY) != fingerprint(URL, secret_key=OTHER)
    assert len(fingerprint(URL, secret_key=KEY)) == 64 and "Xq7bT2" not in fingerprint(
        URL, secret_key=KEY)


def test_the_apps_secret_key_and_its_fallbacks_are_used_by_default(app: Flask) -> None:
    with app.app_context():
        sealed = seal(URL)
        assert unseal(sealed) == URL
        assert unseal(sealed, secret_key=app.config["SECRET_KEY"]) == URL
        assert fingerprint(URL) == fingerprint(URL, secret_key=app.config["SECRET_KEY"])
        old = seal(URL, secret_key=OTHER)
        with pytest.raises(SealError):
            unseal(old)
        app.config["SECRET_KEY_FALLBACKS"] = [OTHER]
        assert unseal(old) == URL
