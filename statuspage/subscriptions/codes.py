"""SMS double opt-in: six-digit codes, stored hashed, short-lived, few attempts; the daily budget.

A code is a secret worth little on its own (one in a million), so what protects it is the
attempt limit: five wrong tries and it is dead, and a new one costs a text message, which the
rate limits and the daily budget ration. The hash is keyed with the app's secret, so a leaked
database does not give away live codes by brute force over the million possibilities.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.models import Page, Subscriber, utcnow
from statuspage.models.subscribers import SmsCodeDay

log = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5


class TooManyRequests(DomainError):
    """A refusal because of volume, not input: shown on the form with status 429."""


def _digest(subscriber: Subscriber, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"sms-code:{subscriber.public_id}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def issue_code(subscriber: Subscriber) -> str:
    """A fresh code for the subscriber: the old one dies, attempts start over. Caller commits."""
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    subscriber.code_hash = _digest(subscriber, code)
    subscriber.code_expires_at = utcnow() + CODE_LIFETIME
    subscriber.code_attempts = 0
    return code


def check_code(subscriber: Subscriber, code: str) -> None:
    """Spend one attempt on `code` and commit it; DomainError unless the code is right.

    The attempt is counted with one guarded UPDATE before the comparison, so two requests
    racing on different web processes cannot both get a fifth try.
    """
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    now = utcnow()
    counted = execute_dml(
        update(Subscriber)
        .where(Subscriber.id == subscriber.id, Subscriber.code_hash.is_not(None),
               Subscriber.code_attempts < MAX_ATTEMPTS, Subscriber.code_expires_at > now)
        .values(code_attempts=Subscriber.code_attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(subscriber)
    if not counted:
        raise DomainError(_dead_code_message(subscriber), "code")
    expected = subscriber.code_hash or ""
    if len(code) != CODE_DIGITS or not hmac.compare_digest(_digest(subscriber, code), expected):
        left = MAX_ATTEMPTS - subscriber.code_attempts
        if left <= 0:
            raise DomainError(_("That code is not right, and it was the last try. "
                                "Send yourself a new code."), "code")
        raise DomainError(ngettext("That code is not right. %(num)d try left.",
                                   "That code is not right. %(num)d tries left.", left), "code")


def _dead_code_message(subscriber: Subscriber) -> str:
    if subscriber.code_hash is None:
        return _("There is no code waiting for this number. Send yourself a new code.")
    if subscriber.code_attempts >= MAX_ATTEMPTS:
        return _("Too many wrong tries for this code. Send yourself a new code.")
    return _("This code has expired. Send yourself a new code.")


def spend_sms_budget(page: Page) -> None:
    """Take one confirmation text from today's (UTC) budget, in the caller's transaction.

    The counter is a row per day, incremented by one guarded UPDATE, so any number of web
    processes share it exactly; when it is spent, sign-ups by SMS wait until tomorrow.
    """
    today = utcnow().date()
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(SmsCodeDay).values(day=today, sent=0)
                       .on_conflict_do_nothing(index_elements=["day"]))
    spent = execute_dml(
        update(SmsCodeDay)
        .where(SmsCodeDay.day == today, SmsCodeDay.sent < page.sms_daily_signup_budget)
        .values(sent=SmsCodeDay.sent + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not spent:
        # The budget is the alarm bell for SMS pumping: say so where operators look.
        log.warning("SMS sign-up budget of %d codes for %s is spent; refusing SMS sign-ups",
                    page.sms_daily_signup_budget, today)
        raise TooManyRequests(_("Text message sign-ups are paused for today. Please try again "
                                "tomorrow, or subscribe by email."), "address")


def codes_sent_today() -> int:
    """How much of today's SMS budget is spent (for the console and tests)."""
    row = db.session.get(SmsCodeDay, utcnow().date())
    return row.sent if row is not None else 0
