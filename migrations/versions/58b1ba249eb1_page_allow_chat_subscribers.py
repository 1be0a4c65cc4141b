"""page allow_chat_subscribers: whether the public may subscribe a chat webhook (issue 13)

Open by default, as the other channels are: the existing page row gets true.

Revision ID: 58b1ba249eb1
Revises: c4e2a7d1f0b3
Create Date: 2026-12-07 13:00:41.595334

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '58b1ba249eb1'
down_revision = 'c4e2a7d1f0b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow_chat_subscribers', sa.Boolean(),
                                      server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_column('allow_chat_subscribers')
