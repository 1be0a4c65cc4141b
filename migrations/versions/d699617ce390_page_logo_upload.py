"""page logo upload: an uploaded logo kept in the database, served at /logo/<digest>.<ext>

Revision ID: d699617ce390
Revises: a06fcefdceb0
Create Date: 2026-11-27 12:40:58.506876

"""
from alembic import op
import sqlalchemy as sa
import statuspage.models.types


# revision identifiers, used by Alembic.
revision = 'd699617ce390'
down_revision = 'a06fcefdceb0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('page_logo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', statuspage.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_logo')),
    sa.UniqueConstraint('digest', name=op.f('uq_page_logo_digest'))
    )


def downgrade():
    op.drop_table('page_logo')
