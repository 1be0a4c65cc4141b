"""Use-cases for the optional TOTP second factor and its one-time recovery codes.

Enrolment is two steps: `begin_enrolment` makes a secret that is *not* yet active (the caller
keeps it until confirmation), and `confirm_enrolment` turns it on only once the user has proved
their authenticator produces valid codes, returning the recovery codes, which exist in clear
only in that return value; the database keeps their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, func, or_, select, update

from statuspage import audit
from statuspage.accounts.users import verify_password
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.models import AuditEntry, RecoveryCode, User, utcnow

RECOVERY_CODE_COUNT = 10
# Wrong codes one pending login may take; then the password must be entered again.
MAX_TRIES_PER_LOGIN = 5
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_CODE_GROUPS, _GROUP_LENGTH = 3, 4  # 12 characters from 31: ~59 bits, so a fast hash is enough


@dataclass(frozen=True)
class Enrolment:
    """A pending TOTP secret and its otpauth:// URI for an authenticator app."""

    secret: str
    uri: str


def begin_enrolment(user: User, issuer: str) -> Enrolment:
    """Make a new TOTP secret for `user`; nothing changes until `confirm_enrolment`."""
    if user.totp_secret:
        raise DomainError("Two-factor authentication is already on.")
    secret = pyotp.random_base32()
    return Enrolment(secret=secret, uri=provisioning_uri(user, secret, issuer))


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads (as a QR code or pasted text)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def confirm_enrolment(user: User, secret: str, code: str) -> list[str]:
    """Turn TOTP on once `code` matches `secret`; returns the recovery codes (shown once)."""
    if user.totp_secret:
        raise DomainError("Two-factor authentication is already on.")
    if not _totp_matches(secret, code):
        raise DomainError("That code is not valid. Check your device's clock and try again.",
                          "code")
    user.totp_secret = secret
    codes = _replace_recovery_codes(user)
    audit.record(user, "totp.enable", "user", user.id)
    db.session.commit()
    return codes


def verify_second_factor(user: User, code: str) -> str:
    """Check a TOTP code or an unused recovery code; returns "totp" or "recovery_code".

    A recovery code is spent by a conditional UPDATE, so two requests racing with the same
    code cannot both succeed.
    """
    if not user.totp_secret:
        raise DomainError("Two-factor authentication is not on for this account.")
    cleaned = code.strip().replace(" ", "")
    if cleaned.isdigit():
        if _spend_totp_step(user, cleaned):
            return "totp"
    elif _spend_recovery_code(user, cleaned):
        remaining = unused_recovery_codes(user)
        audit.record(user, "totp.recovery_code_used", "user", user.id, remaining=remaining)
        db.session.commit()
        return "recovery_code"
    audit.record(None, "login.failure", "user", user.id, email=user.email,
                 reason="bad_second_factor")
    db.session.commit()
    raise DomainError("That code is not valid.", "code")


def failed_tries_since(user: User, since: datetime) -> int:
    """Wrong second-factor codes given for `user` since `since` (a pending login's start).

    Counted from the audit log, where every wrong code is recorded before it is refused: the
    count is shared by every web process, survives restarts, and replaying an older copy of
    the pending-login cookie cannot reset it.
    """
    rows = db.session.execute(
        select(AuditEntry.details)
        .where(AuditEntry.action == "login.failure", AuditEntry.target_type == "user",
               AuditEntry.target_id == str(user.id), AuditEntry.at >= since)
        .order_by(AuditEntry.id.desc())
        .limit(500)
    ).scalars().all()
    return sum(1 for details in rows if (details or {}).get("reason") == "bad_second_factor")


def disable(user: User, password: str) -> None:
    """Turn TOTP off (the password is asked again) and delete the recovery codes."""
    if not user.totp_secret:
        return
    if not verify_password(user, password):
        raise DomainError("Your password is not correct.", "password")
    user.totp_secret = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(user, "totp.disable", "user", user.id)
    db.session.commit()


def unused_recovery_codes(user: User) -> int:
    """How many recovery codes the user has left."""
    return db.session.execute(
        select(func.count(RecoveryCode.id))
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def _totp_matches(secret: str, code: str) -> bool:
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return False
    # One step either side tolerates a phone clock that is up to 30 seconds off.
    return pyotp.TOTP(secret).verify(code, valid_window=1)


def _spend_totp_step(user: User, code: str) -> bool:
    """Accept a TOTP code at most once: its time step must be newer than the last one used.

    The conditional UPDATE makes two requests racing with one code unable to both succeed.
    """
    if len(code) != 6 or not code.isdigit() or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = utcnow()
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=offset * totp.interval)
        if not secrets.compare_digest(totp.at(moment), code):
            continue
        step = totp.timecode(moment)
        result = execute_dml(
            update(User)
            .where(User.id == user.id,
                   or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if result.rowcount == 1:
            user.totp_last_step = step
            return True
    return False


def _hash_code(code: str) -> str:
    normalised = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_code() -> str:
    groups = (
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_GROUP_LENGTH))
        for _ in range(_CODE_GROUPS)
    )
    return "-".join(groups)


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c)) for c in codes)
    return codes


def _spend_recovery_code(user: User, code: str) -> bool:
    result = execute_dml(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
