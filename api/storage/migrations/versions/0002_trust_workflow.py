"""trust workflow: hash-chained history with signed heads, account lifecycle, sign-in throttle and
log, review assignment and four eyes, stored rule evaluations, jobs.

History rows written before this revision get their sequence numbers and hashes here (in id
order per entity); their chain heads are left unsigned until an operator runs
`carbonlabel audit seal` (a migration has no signing key).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _drop_immutability_triggers(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")


def _create_immutability_triggers(table: str) -> None:
    # the same triggers as 0001 (its PostgreSQL function carbonlabel_refuse_change is reused)
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable'); END"
            )
    else:
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION carbonlabel_refuse_change()"
        )


def _add_user_reference(table: str, column: str) -> None:
    """A nullable column referencing users.id, without recreating the table (SQLite cannot ALTER a
    constraint, and recreating a table that others reference fails with foreign keys on)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR(32) REFERENCES users (id)")
    else:
        op.add_column(table, sa.Column(column, sa.String(length=32), sa.ForeignKey("users.id"), nullable=True))


def _chain_existing_history() -> None:
    from api.usecases.history import GENESIS_HASH, row_digest

    history = sa.table(
        "history",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor_id", sa.String),
        sa.column("actor_role", sa.String),
        sa.column("organisation_id", sa.String),
        sa.column("entity_type", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("action", sa.String),
        sa.column("from_state", sa.String),
        sa.column("to_state", sa.String),
        sa.column("reason", sa.Text),
        sa.column("detail", sa.JSON),
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("row_hash", sa.String),
    )
    heads = sa.table(
        "history_heads",
        sa.column("entity_type", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("seq", sa.Integer),
        sa.column("row_hash", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(history).order_by(history.c.entity_type, history.c.entity_id, history.c.id)).all()
    last: dict[tuple[str, str], tuple[int, str]] = {}
    for row in rows:
        key = (row.entity_type, row.entity_id)
        seq, prev_hash = (last[key][0] + 1, last[key][1]) if key in last else (1, GENESIS_HASH)
        digest = row_digest(
            seq=seq,
            prev_hash=prev_hash,
            at=row.at,
            actor_id=row.actor_id,
            actor_role=row.actor_role,
            organisation_id=row.organisation_id,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            action=row.action,
            from_state=row.from_state,
            to_state=row.to_state,
            reason=row.reason,
            detail=row.detail,
        )
        bind.execute(
            history.update().where(history.c.id == row.id).values(seq=seq, prev_hash=prev_hash, row_hash=digest)
        )
        last[key] = (seq, digest)
    for (entity_type, entity_id), (seq, digest) in last.items():
        bind.execute(heads.insert().values(entity_type=entity_type, entity_id=entity_id, seq=seq, row_hash=digest))


def upgrade() -> None:
    # accounts: one model for people, API clients and PACT partners; organisations can be disabled
    op.add_column("organisations", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("users", sa.Column("kind", sa.String(length=20), server_default="client", nullable=False))
    op.add_column("users", sa.Column("password_hash", sa.String(length=256), nullable=True))
    op.add_column("users", sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=True))

    # review: assignment, the evaluation stored at submit, four eyes
    for column in ("assigned_to", "first_approval_by"):
        _add_user_reference("applications", column)
    op.add_column("applications", sa.Column("submitted_evaluation", sa.JSON(), nullable=True))
    op.create_index("ix_applications_assigned_to", "applications", ["assigned_to"], unique=False)

    # history: per-entity hash chains with signed heads
    op.create_table(
        "history_heads",
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("entity_type", "entity_id", name="pk_history_heads"),
    )
    _drop_immutability_triggers("history")
    with op.batch_alter_table("history") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    _chain_existing_history()
    with op.batch_alter_table("history") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("row_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_history_entity_seq", ["entity_type", "entity_id", "seq"])
    _create_immutability_triggers("history")

    # sign-in throttle and the append-only log of sign-in attempts
    op.create_table(
        "login_throttle",
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("identifier", "address", name="pk_login_throttle"),
    )
    op.create_table(
        "auth_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("door", sa.String(length=20), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_auth_attempts_at", "auth_attempts", ["at"], unique=False)
    op.create_index("ix_auth_attempts_identifier", "auth_attempts", ["identifier"], unique=False)
    _create_immutability_triggers("auth_attempts")

    # jobs for heavy work
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("result_bytes", sa.LargeBinary(), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_jobs_status_created", "jobs", ["status", "created_at"], unique=False)
    op.create_index("ix_jobs_user_id", "jobs", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_jobs_user_id", table_name="jobs")
    op.drop_index("ix_jobs_status_created", table_name="jobs")
    op.drop_table("jobs")
    _drop_immutability_triggers("auth_attempts")
    op.drop_index("ix_auth_attempts_identifier", table_name="auth_attempts")
    op.drop_index("ix_auth_attempts_at", table_name="auth_attempts")
    op.drop_table("auth_attempts")
    op.drop_table("login_throttle")
    _drop_immutability_triggers("history")
    with op.batch_alter_table("history") as batch_op:
        batch_op.drop_constraint("uq_history_entity_seq", type_="unique")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    _create_immutability_triggers("history")
    op.drop_table("history_heads")
    op.drop_index("ix_applications_assigned_to", table_name="applications")
    with op.batch_alter_table("applications") as batch_op:
        batch_op.drop_column("first_approval_by")
        batch_op.drop_column("submitted_evaluation")
        batch_op.drop_column("assigned_to")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("secret_rotated_at")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("kind")
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("active")
