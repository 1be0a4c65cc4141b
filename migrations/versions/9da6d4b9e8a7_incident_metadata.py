"""incident api_metadata: Statuspage's incident `metadata` object, set through the Manage API
(issue 14)

Additive: a nullable JSON column; existing incidents have none (the API shows `{}`).

Revision ID: 9da6d4b9e8a7
Revises: 3ea4db874b4e
Create Date: 2026-12-07 16:07:42.719991

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9da6d4b9e8a7'
down_revision = '3ea4db874b4e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_metadata', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_column('api_metadata')
