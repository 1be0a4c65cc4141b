"""fan-out expansion pass: FanoutEvent.expansion_pass, so an expansion takes SMS, webhooks,
chat and stakeholder members first and the public email subscribers after them, and an
interrupted one resumes in the right pass (issue 12: in a 1,000,000-email fan-out the last
SMS waited 87 s for the email rows before them).

Additive: a column with a server default; running code that does not know it keeps working.

Revision ID: 5b7e0c2d9a41
Revises: d9eeb437bb72
Create Date: 2026-12-07 20:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e0c2d9a41'
down_revision = 'd9eeb437bb72'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fanout_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expansion_pass', sa.Integer(), server_default=sa.text('0'),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('fanout_event', schema=None) as batch_op:
        batch_op.drop_column('expansion_pass')
