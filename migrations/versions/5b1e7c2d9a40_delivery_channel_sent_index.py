"""delivery channel sent index

ix_delivery_channel_sent (channel, sent_at): GET /metrics reads the hand-overs of the last
minutes per channel (publish -> provider latency, SMS sent per second) as a range of it.
Additive: web processes of the previous release run unchanged while it is built.

Revision ID: 5b1e7c2d9a40
Revises: 3d89296e7129
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b1e7c2d9a40'
down_revision = '3d89296e7129'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_channel_sent', ['channel', 'sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_channel_sent')
