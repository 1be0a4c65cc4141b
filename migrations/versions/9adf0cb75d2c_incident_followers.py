"""incident followers: Subscriber.incident_id, Page.allow_incident_subscribers

A subscriber row with `incident_id` follows one incident ("Get updates on this incident").
The unique address rule stays one page-wide public subscription per (channel, address): its
partial index now also leaves out followers (`incident_id IS NULL`), and a second partial
unique index allows one follow per (incident, channel, address). Partial, because a plain
UNIQUE over a nullable column never collides on NULL (NULLs are distinct on SQLite and on
PostgreSQL before NULLS NOT DISTINCT).

Revision ID: 9adf0cb75d2c
Revises: bf090e689d5a
Create Date: 2026-12-07 12:34:37.617658

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9adf0cb75d2c'
down_revision = 'bf090e689d5a'
branch_labels = None
depends_on = None

OLD_PUBLIC = 'stakeholder_member_id IS NULL'
NEW_PUBLIC = 'stakeholder_member_id IS NULL AND incident_id IS NULL'
FOLLOWS = 'incident_id IS NOT NULL'


def upgrade():
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow_incident_subscribers', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_subscriber_incident_id_incident'), 'incident', ['incident_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('uq_subscriber_incident_address', ['incident_id', 'channel', 'address'], unique=True, sqlite_where=sa.text(FOLLOWS), postgresql_where=sa.text(FOLLOWS))
        # Autogenerate does not compare an index's WHERE: the page-wide rule is replaced by
        # hand. Every existing row has incident_id NULL, so the new rule holds at once.
        batch_op.drop_index('uq_subscriber_public_address', sqlite_where=sa.text(OLD_PUBLIC), postgresql_where=sa.text(OLD_PUBLIC))
        batch_op.create_index('uq_subscriber_public_address', ['channel', 'address'], unique=True, sqlite_where=sa.text(NEW_PUBLIC), postgresql_where=sa.text(NEW_PUBLIC))


def downgrade():
    # A follow has no place in the old schema (it would become a page-wide subscription, and
    # may repeat a subscriber's address): followers go, with their deliveries, before the old
    # unique rule comes back.
    op.execute("DELETE FROM delivery WHERE subscriber_id IN "
               "(SELECT id FROM subscriber WHERE incident_id IS NOT NULL)")
    op.execute("DELETE FROM subscriber_component WHERE subscriber_id IN "
               "(SELECT id FROM subscriber WHERE incident_id IS NOT NULL)")
    op.execute("DELETE FROM subscriber WHERE incident_id IS NOT NULL")
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_index('uq_subscriber_public_address', sqlite_where=sa.text(NEW_PUBLIC), postgresql_where=sa.text(NEW_PUBLIC))
        batch_op.create_index('uq_subscriber_public_address', ['channel', 'address'], unique=True, sqlite_where=sa.text(OLD_PUBLIC), postgresql_where=sa.text(OLD_PUBLIC))
        batch_op.drop_index('uq_subscriber_incident_address', sqlite_where=sa.text(FOLLOWS), postgresql_where=sa.text(FOLLOWS))
        batch_op.drop_constraint(batch_op.f('fk_subscriber_incident_id_incident'), type_='foreignkey')
        batch_op.drop_column('incident_id')

    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_column('allow_incident_subscribers')
