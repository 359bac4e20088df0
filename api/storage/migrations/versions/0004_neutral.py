"""neutral: the retirement ledger (credit lots and green certificates held by carbon-neutral claims) and
read grants (an exporter's consent that a bank or buyer reads one product), webhook subscriptions and
deliveries.

Revision ID: 0004_neutral
Revises: 0003 (PACT)
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_neutral"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_holdings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("claim_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("programme", sa.String(length=40), nullable=False),
        sa.Column("block", sa.String(length=200), nullable=True),
        sa.Column("first_unit", sa.BigInteger(), nullable=True),
        sa.Column("last_unit", sa.BigInteger(), nullable=True),
        sa.Column("record_id", sa.String(length=200), nullable=True),
        sa.Column("project_id", sa.String(length=200), nullable=True),
        sa.Column("vintage", sa.Integer(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme", "record_id", name="uq_ledger_record"),
    )
    with op.batch_alter_table("ledger_holdings") as batch:
        batch.create_index("ix_ledger_holdings_claim_id", ["claim_id"])
        batch.create_index("ix_ledger_holdings_organisation_id", ["organisation_id"])
        batch.create_index("ix_ledger_holdings_block", ["block"])
        batch.create_index("ix_ledger_holdings_project_id", ["project_id"])


    op.create_table(
        "read_grants",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("grantee_organisation_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("granted_by", sa.String(length=32), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=32), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["grantee_organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["granted_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["revoked_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("read_grants") as batch:
        batch.create_index("ix_read_grants_product_id", ["product_id"])
        batch.create_index("ix_read_grants_organisation_id", ["organisation_id"])
        batch.create_index("ix_read_grants_grantee_organisation_id", ["grantee_organisation_id"])


    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.create_index("ix_webhook_subscriptions_organisation_id", ["organisation_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("subscription_id", sa.String(length=32), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscriptions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "event_key", name="uq_webhook_event"),
    )
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.create_index("ix_webhook_deliveries_subscription_id", ["subscription_id"])
        batch.create_index("ix_webhook_deliveries_next_attempt_at", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
    op.drop_table("read_grants")
    op.drop_table("ledger_holdings")
