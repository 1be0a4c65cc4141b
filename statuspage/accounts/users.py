"""Use-cases for console users: create, authenticate, change password or role, deactivate."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from statuspage import audit
from statuspage.accounts.passwords import MIN_LENGTH, check_strength
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import ROLES, User, utcnow
from statuspage.plan.stakeholder_members import normalise_member_phone

_hasher = PasswordHasher()
MIN_PASSWORD = MIN_LENGTH


@cache
def dummy_hash() -> str:
    """Verifying against this keeps the time of a login for an unknown email equal to a real one.

    Made on first use, not at import: an argon2 hash takes 64 MiB for a moment, which would
    raise the peak memory of every process importing this module (the worker and sms too).
    """
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check a password in constant-ish time, rehashing when argon2 parameters changed."""
    dummy = dummy_hash()  # first called for any login, so both branches pay for making it
    try:
        _hasher.verify(user.password_hash if user else dummy, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None:
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(str(exc), "email") from None


def find_user(email: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).scalar_one_or_none()


def create_user(email: str, name: str, role: str, password: str | None,
                actor: User | None) -> tuple[User, str]:
    """Create a console user; returns the user and the password (generated when not given)."""
    email = normalise_email(email)
    if role not in ROLES:
        raise DomainError("Choose a role: admin, communicator or viewer.", "role")
    if find_user(email) is not None:
        raise DomainError("A user with this email already exists.", "email")
    password = password or secrets.token_urlsafe(12)
    check_strength(password, "password", email=email, name=name)
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password),
                session_token=secrets.token_hex(16))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, email=email, role=role)
    db.session.commit()
    return user, password


GENERIC_LOGIN_ERROR = "Email or password is incorrect."


def authenticate(email: str, password: str) -> User:
    """Check an email and password; returns the user or raises one generic DomainError.

    An unknown email and a wrong password get the same message (and take the same time), so
    the form does not reveal which addresses have accounts. Every failure is audited.
    """
    submitted = email.strip().lower()[:254]
    user = find_user(submitted) if submitted else None
    if not verify_password(user, password):
        audit.record(None, "login.failure", "user", user.id if user else "", email=submitted,
                     reason="bad_credentials")
        db.session.commit()
        raise DomainError(GENERIC_LOGIN_ERROR)
    assert user is not None  # verify_password is False for an unknown email
    if not user.is_active_user:
        audit.record(None, "login.failure", "user", user.id, email=user.email,
                     reason="deactivated")
        db.session.commit()
        raise DomainError("This account has been deactivated. Ask an administrator.")
    db.session.commit()  # keeps a password rehash made by verify_password
    return user


def record_login(user: User, method: str = "password") -> None:
    """Note a completed login (after any second factor): last_login_at and an audit entry."""
    user.last_login_at = utcnow()
    audit.record(user, "login.success", "user", user.id, method=method)
    db.session.commit()


def log_out(user: User) -> None:
    """End the user's sessions on the server: every cookie issued so far stops working.

    Sessions are signed cookies naming the user's session token, so the token is rotated;
    this ends the user's sessions on other devices as well.
    """
    rotate_session(user)
    audit.record(user, "logout", "user", user.id)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Change a user's own password; every other session of the user ends."""
    if not verify_password(user, current):
        raise DomainError("Your current password is not correct.", "current_password")
    check_strength(new, "new_password", email=user.email, name=user.name)
    if current == new:
        raise DomainError("Choose a password different from the current one.", "new_password")
    user.password_hash = hash_password(new)
    rotate_session(user)
    audit.record(user, "user.password_change", "user", user.id)
    db.session.commit()


def change_role(user: User, role: str, actor: User | None) -> None:
    """Give a user another role; the last active admin cannot be demoted."""
    if role not in ROLES:
        raise DomainError("Choose a role: admin, communicator or viewer.", "role")
    if role == user.role:
        return
    if user.role == "admin" and user.is_active_user:
        _refuse_if_last_admin(user, "demote", "role")
    old = user.role
    user.role = role
    audit.record(actor, "user.role_change", "user", user.id, email=user.email, old=old, new=role)
    db.session.commit()


def change_phone(user: User, raw: str, actor: User | None) -> None:
    """Set (or, when blank, clear) the user's mobile number, where cadence reminders also go.

    Normalised to E.164 like a stakeholder member's phone, so the SMS provider gets one form.
    """
    phone = normalise_member_phone(raw) if raw.strip() else None
    if phone == user.phone:
        return
    user.phone = phone
    # Whether, not which: like stakeholder members' numbers, the phone stays out of the log.
    audit.record(actor, "user.phone_change", "user", user.id, email=user.email,
                 phone="set" if phone else "cleared")
    db.session.commit()


def deactivate(user: User, actor: User | None) -> None:
    """Deactivate a user and end all their sessions at once; never the last active admin."""
    if not user.is_active_user:
        return
    if user.role == "admin":
        _refuse_if_last_admin(user, "deactivate", None)
    user.is_active_user = False
    rotate_session(user)
    audit.record(actor, "user.deactivate", "user", user.id, email=user.email)
    db.session.commit()


def reactivate(user: User, actor: User | None) -> None:
    """Let a deactivated user log in again (their old sessions stay ended)."""
    if user.is_active_user:
        return
    user.is_active_user = True
    audit.record(actor, "user.reactivate", "user", user.id, email=user.email)
    db.session.commit()


def rotate_session(user: User) -> None:
    """Give the user a new session token, which logs out every existing session."""
    user.session_token = secrets.token_hex(16)


def _refuse_if_last_admin(user: User, verb: str, field: str | None) -> None:
    # Lock the active admin rows (PostgreSQL) so two admins demoting each other at the same
    # time cannot both succeed and leave nobody able to administer the page.
    admins = db.session.execute(
        select(User.id).where(User.role == "admin", User.is_active_user.is_(True))
        .with_for_update()
    ).scalars().all()
    if set(admins) <= {user.id}:
        raise DomainError(
            f"You cannot {verb} the last active admin. Make someone else an admin first.",
            field,
        )
