"""pact: PACT v3 data exchange -- products shared with partners, partner hosts and the
credentials they issued us, asynchronous requests both ways, the event outbox (deliveries retried
with back-off, kept across restarts), received footprints with provenance (docs/pact.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:47:48
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pact_connections',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=False),
    sa.Column('auth_base_url', sa.String(length=500), nullable=True),
    sa.Column('client_id', sa.String(length=200), nullable=False),
    sa.Column('client_secret', sa.String(length=500), nullable=False),
    sa.Column('partner_id', sa.String(length=32), nullable=True),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pact_connections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pact_connections_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pact_connections_partner_id'), ['partner_id'], unique=False)

    op.create_table('pact_deliveries',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('target_url', sa.String(length=500), nullable=False),
    sa.Column('connection_id', sa.String(length=32), nullable=True),
    sa.Column('event', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('first_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['pact_connections.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pact_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_pact_deliveries_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('pact_requests',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=True),
    sa.Column('connection_id', sa.String(length=32), nullable=True),
    sa.Column('partner_id', sa.String(length=32), nullable=True),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['pact_connections.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('direction', 'source', 'event_id', name='uq_pact_requests_event')
    )
    with op.batch_alter_table('pact_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pact_requests_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pact_requests_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('pact_shares',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=False),
    sa.Column('product_id', sa.String(length=32), nullable=False),
    sa.Column('partner_id', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pact_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pact_shares_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pact_shares_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pact_shares_product_id'), ['product_id'], unique=False)

    op.create_table('pact_footprints',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=False),
    sa.Column('pf_id', sa.String(length=36), nullable=False),
    sa.Column('connection_id', sa.String(length=32), nullable=True),
    sa.Column('request_id', sa.String(length=32), nullable=True),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['pact_connections.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['pact_requests.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pact_footprints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pact_footprints_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pact_footprints_pf_id'), ['pf_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pact_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_pact_deliveries_due')

    op.drop_table('pact_deliveries')
    with op.batch_alter_table('pact_footprints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pact_footprints_pf_id'))
        batch_op.drop_index(batch_op.f('ix_pact_footprints_organisation_id'))

    op.drop_table('pact_footprints')
    with op.batch_alter_table('pact_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pact_shares_product_id'))
        batch_op.drop_index(batch_op.f('ix_pact_shares_partner_id'))
        batch_op.drop_index(batch_op.f('ix_pact_shares_organisation_id'))

    op.drop_table('pact_shares')
    with op.batch_alter_table('pact_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pact_requests_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_pact_requests_event_id'))

    op.drop_table('pact_requests')
    with op.batch_alter_table('pact_connections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pact_connections_partner_id'))
        batch_op.drop_index(batch_op.f('ix_pact_connections_organisation_id'))

    op.drop_table('pact_connections')
