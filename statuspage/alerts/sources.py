"""Alert sources: the monitoring systems allowed to post alerts, and how a request proves it.

A source is created in the console (admin) for one kind of sender (Alertmanager, Grafana,
generic JSON); its token is shown once and only its SHA-256 is kept, as for API tokens
(statuspage.accounts.api_tokens explains why a fast hash suffices for a random 256-bit value).
A request presents the token as `Authorization: Bearer <token>` (Alertmanager's and Grafana's
http settings) or `?token=<token>` for senders that cannot set headers.

A Grafana source may also require Grafana's HMAC signature: hex HMAC-SHA256 of the raw body,
with the shared secret, in `X-Grafana-Alerting-Signature`; when Grafana is told to send a
timestamp header, the signed text is `<timestamp>:<body>` and a timestamp more than five
minutes away from now is refused (a captured request cannot be replayed later). The secret is
generated here, shown once and stored sealed (core.sealing): verifying a MAC needs the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from statuspage import audit
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.sealing import SealError, seal, unseal
from statuspage.core.transaction import use_case
from statuspage.models import AlertSource, Severity, User, utcnow
from statuspage.models.alerts import GRAFANA, SOURCE_KINDS

TOKEN_PREFIX = "al_"
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 4
MAX_NAME = 100
MAX_TOKEN_LENGTH = 200
SIGNATURE_HEADER = "X-Grafana-Alerting-Signature"
# Grafana has no default timestamp header name; this is the one the console proposes.
DEFAULT_TIMESTAMP_HEADER = "X-Grafana-Alerting-Timestamp"
MAX_SKEW_SECONDS = 300
_HEADER_NAME = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


class Unauthorized(DomainError):
    """A request that does not prove it comes from an active alert source of this kind."""


@dataclass(frozen=True)
class NewSecret:
    """A freshly made token or HMAC secret: the clear value exists only in this object."""

    source: AlertSource
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def audit_label(source: AlertSource) -> str:
    """How the audit log names what a source's alerts changed (automatic component status)."""
    return f"alert:{source.name}"


@use_case
def create_source(name: str, kind: str, default_severity: str,
                  actor: User | None) -> NewSecret:
    """Create a source; its token is returned once and never stored."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Name the source, e.g. “Prometheus production”.", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"The name is longer than {MAX_NAME} characters.", "name")
    if kind not in SOURCE_KINDS:
        raise DomainError("Choose Alertmanager, Grafana or generic JSON.", "kind")
    if default_severity not in {s.value for s in Severity}:
        raise DomainError("Choose a severity from SEV1 to SEV4.", "default_severity")
    taken = db.session.scalar(select(AlertSource.id).where(
        func.lower(AlertSource.name) == name.lower(), AlertSource.revoked_at.is_(None)))
    if taken is not None:
        raise DomainError("An active source already has this name.", "name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    source = AlertSource(name=name, kind=kind, default_severity=default_severity,
                         token_hash=hash_token(secret), prefix=secret[:DISPLAY_PREFIX_LENGTH],
                         created_by_id=actor.id if actor is not None else None,
                         created_at=utcnow())
    db.session.add(source)
    db.session.flush()
    audit.record(actor, "alert_source.create", "alert_source", source.public_id, name=name,
                 kind=kind, default_severity=default_severity)
    db.session.commit()
    return NewSecret(source=source, secret=secret)


@use_case
def revoke_source(source: AlertSource, actor: User | None) -> AlertSource:
    """Refuse the source's requests from now on; kept so its alerts and proposals stay named."""
    if source.revoked_at is not None:
        raise DomainError("This source is already revoked.", "source")
    source.revoked_at = utcnow()
    audit.record(actor, "alert_source.revoke", "alert_source", source.public_id,
                 name=source.name)
    db.session.commit()
    return source


@use_case
def set_hmac(source: AlertSource, timestamp_header: str, actor: User | None) -> NewSecret:
    """Require Grafana's HMAC signature from now on, with a new secret (returned once)."""
    if source.kind != GRAFANA:
        raise DomainError("Only Grafana signs its webhooks.", "source")
    header = (timestamp_header or "").strip()
    if header and (len(header) > 100 or not set(header) <= _HEADER_NAME):
        raise DomainError("A header name has letters, digits and hyphens only.",
                          "timestamp_header")
    secret = secrets.token_urlsafe(32)
    source.hmac_secret = seal(secret)
    source.hmac_timestamp_header = header or None
    audit.record(actor, "alert_source.hmac", "alert_source", source.public_id,
                 name=source.name, timestamp_header=header or None)
    db.session.commit()
    return NewSecret(source=source, secret=secret)


@use_case
def clear_hmac(source: AlertSource, actor: User | None) -> AlertSource:
    """Stop requiring a signature (the token alone authenticates again)."""
    source.hmac_secret = None
    source.hmac_timestamp_header = None
    audit.record(actor, "alert_source.hmac_off", "alert_source", source.public_id,
                 name=source.name)
    db.session.commit()
    return source


def list_sources() -> list[AlertSource]:
    """Every source, active ones first, then by name (the console's list)."""
    return list(db.session.scalars(
        select(AlertSource).options(selectinload(AlertSource.created_by))
        .order_by(AlertSource.revoked_at.is_not(None), AlertSource.name, AlertSource.id)))


def get_source(public_id: str) -> AlertSource:
    source = db.session.scalar(select(AlertSource).where(AlertSource.public_id == public_id))
    if source is None:
        raise NotFound("No such alert source.")
    return source


def authenticate(kind: str, presented: str | None) -> AlertSource:
    """The active source of `kind` whose token is `presented`; Unauthorized otherwise.

    Reads only: nothing is written for a refused request.
    """
    secret = (presented or "").strip()
    if not secret:
        raise Unauthorized("Send the source's token as `Authorization: Bearer <token>`.")
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        raise Unauthorized("The token is not valid.")
    source = db.session.scalar(
        select(AlertSource).where(AlertSource.token_hash == hash_token(secret)))
    if source is None:
        raise Unauthorized("The token is not valid.")
    if source.revoked_at is not None:
        raise Unauthorized("This alert source has been revoked.")
    if source.kind != kind:
        raise Unauthorized(f"This token belongs to a {source.kind} source; post to "
                           f"/hooks/alerts/{source.kind}.")
    return source


def check_signature(source: AlertSource, raw_body: bytes,
                    header: Callable[[str], str | None], now: float) -> None:
    """Refuse (Unauthorized) a request to a source with an HMAC secret unless Grafana's
    signature over exactly these bytes is right and its timestamp, if required, is fresh.
    `header` reads a request header by name (None when absent)."""
    if source.hmac_secret is None:
        return
    try:
        key = unseal(source.hmac_secret).encode()
    except SealError:
        # SECRET_KEY changed: the secret cannot be read; nothing can be verified.
        raise Unauthorized("The source's signing secret is unreadable; make a new one.") from None
    signature = (header(SIGNATURE_HEADER) or "").strip().lower()
    if not signature or not signature.isascii():
        raise Unauthorized(f"This source requires Grafana's {SIGNATURE_HEADER} header.")
    signed = raw_body
    if source.hmac_timestamp_header:
        stamp = (header(source.hmac_timestamp_header) or "").strip()
        if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
            raise Unauthorized(f"The {source.hmac_timestamp_header} header is missing.")
        if abs(now - int(stamp)) > MAX_SKEW_SECONDS:
            raise Unauthorized("The signature's timestamp is too old (or in the future).")
        signed = stamp.encode() + b":" + raw_body
    expected = hmac.new(key, signed, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Unauthorized("The signature does not match the body.")
