"""Password strength: one rule for every place a console password is set.

A new password must be at least MIN_LENGTH characters and score at least MIN_SCORE (of 4) on
zxcvbn, the strength estimator from Dropbox, which knows common passwords, names, dictionary
words, keyboard patterns, dates and repeats. The user's own email (and its parts) and name are
passed to it as words an attacker would try first, so "jane.doe@example.com2024" is refused.
The refusal carries zxcvbn's own feedback, so the person sees what to change.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

from statuspage.core.errors import DomainError

MIN_LENGTH = 12
# zxcvbn's 3: "safely unguessable: moderate protection from an offline slow-hash attack".
MIN_SCORE = 3
# zxcvbn's cost grows with the length; nothing past this changes the verdict.
_SCORED_PREFIX = 100


def personal_words(email: str = "", name: str = "") -> list[str]:
    """Words taken from the account that a guesser would try: email, its parts, the name."""
    words = [email, name]
    words += re.split(r"[@.+_\-\s]+", email)
    words += name.split()
    return [w.lower() for w in words if len(w) >= 3]


def check_strength(password: str, field: str, email: str = "", name: str = "") -> None:
    """Refuse a weak password with a DomainError on `field` that says how to improve it."""
    if len(password) < MIN_LENGTH:
        raise DomainError(f"Use at least {MIN_LENGTH} characters.", field)
    lowered = password.lower()
    own = [email.lower(), email.lower().partition("@")[0], name.strip().lower()]
    if any(len(word) >= 4 and word in lowered for word in own):
        raise DomainError("Do not use your email address or name in your password.", field)
    words = personal_words(email, name)
    result = zxcvbn(password[:_SCORED_PREFIX], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return
    feedback = result.get("feedback") or {}
    hints = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
    advice = " ".join(h.strip() for h in hints if h and h.strip())
    message = "This password is too easy to guess."
    if advice:
        message = f"{message} {advice}"
    else:
        message += " Add another word or two; uncommon words are better."
    raise DomainError(message, field)
