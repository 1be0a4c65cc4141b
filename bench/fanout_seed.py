"""Seed bench/fanout.py's subscribers in one INSERT … SELECT, made by the database itself.

A million confirmed subscribers take seconds this way (PostgreSQL: generate_series; SQLite: a
recursive CTE), where rows built in Python and sent over take minutes. Emails and phone numbers
are interleaved by id, as sign-ups come in: every `stride`-th row is a phone number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, text

from statuspage.core.extensions import db
from statuspage.models import Subscriber, utcnow

COLUMNS = ("public_id, channel, address, language, created_at, confirmed_at, consent_source, "
           "consent_at, code_attempts, token_version")

POSTGRESQL = f"""
INSERT INTO subscriber ({COLUMNS})
SELECT 'b' || lpad(n::text, 11, '0'),
       CASE WHEN is_sms THEN 'sms' ELSE 'email' END,
       CASE WHEN is_sms
            THEN '+1415' || lpad((n / :stride - 1)::text, 7, '0')
            ELSE 'reader' || n || '@example.com' END,
       'en', :now, :now, 'bench', :now, 0, 1
FROM (SELECT n, CAST(:sms AS bigint) > 0 AND n % :stride = 0 AND n / :stride <= :sms AS is_sms
      FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS n) AS numbers
ORDER BY n
"""

SQLITE = f"""
WITH RECURSIVE numbers(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM numbers WHERE n < :last)
INSERT INTO subscriber ({COLUMNS})
SELECT 'b' || printf('%011d', n),
       CASE WHEN is_sms THEN 'sms' ELSE 'email' END,
       CASE WHEN is_sms THEN '+1415' || printf('%07d', n / :stride - 1)
            ELSE 'reader' || n || '@example.com' END,
       'en', :now, :now, 'bench', :now, 0, 1
FROM (SELECT n, :sms > 0 AND n % :stride = 0 AND n / :stride <= :sms AS is_sms FROM numbers)
ORDER BY n
"""

# Rows per statement: one transaction each, so SQLite's file and PostgreSQL's WAL stay modest.
STEP = 250_000


def seed_subscribers(app: Any, emails: int, sms: int) -> None:
    """`emails` email and `sms` SMS subscribers, confirmed, following every component."""
    total = emails + sms
    stride = max(1, total // sms) if sms else total + 1
    with app.app_context():
        dialect = db.session.get_bind().dialect.name
        statement = text(POSTGRESQL if dialect == "postgresql" else SQLITE).bindparams(
            bindparam("now", type_=Subscriber.__table__.c.created_at.type))
        for first in range(1, total + 1, STEP):
            db.session.execute(statement, {
                "first": first, "last": min(first + STEP - 1, total), "stride": stride,
                "sms": sms, "now": utcnow()})
            db.session.commit()
        if dialect == "postgresql":
            # As autovacuum would soon after a bulk load: plans fit the table's real size.
            db.session.execute(text("ANALYZE subscriber"))
            db.session.commit()
