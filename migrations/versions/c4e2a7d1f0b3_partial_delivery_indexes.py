"""partial delivery indexes

ix_delivery_channel_sent and ix_delivery_provider_message_id hold only deliveries that have
a value there (sent ones): a fan-out creates and claims its deliveries with both NULL, and
each such row no longer writes two index entries (measured: less WAL per delivery in a fan-out).
Every query of them names a value, which the planners take to imply NOT NULL.

Each index is rebuilt under its own name in one short step: additive for readers (the old
release's queries use the new index the same way); on a very large delivery table, run it
in a quiet moment (README "Upgrades").

Revision ID: c4e2a7d1f0b3
Revises: 9adf0cb75d2c
Create Date: 2026-12-07 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e2a7d1f0b3'
down_revision = '9adf0cb75d2c'
branch_labels = None
depends_on = None

INDEXES = (("ix_delivery_channel_sent", ["channel", "sent_at"], "sent_at IS NOT NULL"),
           ("ix_delivery_provider_message_id", ["provider_message_id"],
            "provider_message_id IS NOT NULL"))


def upgrade():
    for name, columns, where in INDEXES:
        op.drop_index(name, table_name="delivery")
        op.create_index(name, "delivery", columns, unique=False,
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade():
    for name, columns, _ in INDEXES:
        op.drop_index(name, table_name="delivery")
        op.create_index(name, "delivery", columns, unique=False)
