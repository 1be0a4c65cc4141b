"""retention and erasure

subscriber.erased_at: when a subscriber's personal data was erased (by the retention task or
an erasure request); the row stays as an anonymous opt-out record whose address is a keyed
hash (statuspage.subscriptions.erasure). ix_provider_receipt_received_at: the retention task
deletes old provider receipts as a range of it, in small batches.
Additive: web processes of the previous release run unchanged while it is built.

Revision ID: 8e4f1a6c2b37
Revises: 5b1e7c2d9a40
Create Date: 2026-12-07 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import statuspage.models.types


# revision identifiers, used by Alembic.
revision = '8e4f1a6c2b37'
down_revision = '5b1e7c2d9a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', statuspage.models.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('provider_receipt', schema=None) as batch_op:
        batch_op.create_index('ix_provider_receipt_received_at', ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('provider_receipt', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_receipt_received_at')
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
