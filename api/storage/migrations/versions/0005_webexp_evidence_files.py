"""webexp: evidence files of label applications (the bytes in the evidence store, keyed by sha256).

Revision ID: 0005_webexp
Revises: 0004_neutral
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_webexp"
down_revision = "0004_neutral"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evidence_files_application_id", "evidence_files", ["application_id"])
    op.create_index("ix_evidence_files_organisation_id", "evidence_files", ["organisation_id"])
    op.create_index("ix_evidence_files_sha256", "evidence_files", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_evidence_files_sha256", table_name="evidence_files")
    op.drop_index("ix_evidence_files_organisation_id", table_name="evidence_files")
    op.drop_index("ix_evidence_files_application_id", table_name="evidence_files")
    op.drop_table("evidence_files")
