"""Use-cases for console users: create, authenticate, change role, deactivate."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from statuspage import audit
from statuspage.errors import DomainError
from statuspage.extensions import db
from statuspage.models import ROLES, User

_hasher = PasswordHasher()
MIN_PASSWORD = 12
# Verifying against this keeps the time of a login for an unknown email equal to a real one.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check a password in constant-ish time, rehashing when argon2 parameters changed."""
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
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
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"Use at least {MIN_PASSWORD} characters.", "password")
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password),
                session_token=secrets.token_hex(16))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, email=email, role=role)
    db.session.commit()
    return user, password
