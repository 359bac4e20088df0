"""The service database: tables as SQLAlchemy 2 declarative models (migrations in api/storage/migrations).

Certificates and history rows are written once and never changed (the migration adds triggers
that refuse UPDATE and DELETE on both SQLite and PostgreSQL). States that follow from dates are
computed when asked (api/usecases/certificate_status.py), never stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime, UTC
from typing import Any

from sqlalchemy import (
    BigInteger,
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import true
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # a disabled organisation's accounts get no tokens and their tokens stop working
    active: Mapped[bool] = mapped_column(default=True, server_default=true())


class User(Base):
    """One account model for everyone who signs in (the table keeps its first name, `users`).

    `kind`: `client` (an API client: client_id + secret), `person` (a web user: `client_id` is the
    login name, `password_hash` is set by the web application), `partner` (a PACT data-exchange
    partner, authenticating like a client)."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(256))  # "!" for a person: no client secret
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20), default="client", server_default="client")
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccessToken(Base):
    __tablename__ = "access_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cn_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BomUpload(Base):
    __tablename__ = "bom_uploads"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    file_format: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    bom: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Footprint(Base):
    __tablename__ = "footprints"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    bom_id: Mapped[str | None] = mapped_column(ForeignKey("bom_uploads.id"), nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    total_kgco2e: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(10))
    snapshot_name: Mapped[str] = mapped_column(String(200))
    snapshot_hash: Mapped[str] = mapped_column(String(64))
    code_version: Mapped[str] = mapped_column(String(50))
    input_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Application(Base):
    __tablename__ = "applications"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    footprint_id: Mapped[str] = mapped_column(ForeignKey("footprints.id"))
    scheme: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(30), index=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the certifier who reviews it (never one of the applicant's own organisation)
    assigned_to: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    # the full rule evaluation made at submit (shown to the certifier before approval)
    submitted_evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # four eyes: the first certifier's approval of a grade that needs a second one
    first_approval_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Certificate(Base):
    """An issued certificate: the signed canonical JSON plus columns copied out of it for queries."""

    __tablename__ = "certificates"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    # "application:<id>" for the first certificate, "renewal-of:<certificate id>" for a renewal:
    # the unique constraint makes two concurrent approvals (or renewals) yield one certificate.
    issue_key: Mapped[str] = mapped_column(String(80), unique=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("certificates.id"), nullable=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str | None] = mapped_column(String(20), nullable=True)
    product_rule: Mapped[str | None] = mapped_column(String(200), nullable=True)
    declared_unit: Mapped[str] = mapped_column(String(100))
    benchmark_key: Mapped[str] = mapped_column(String(400), index=True)
    total_kgco2e: Mapped[float] = mapped_column(Float)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    surveillance_interval_days: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)  # RFC 8785 canonical JSON, exactly what was signed
    signature: Mapped[str] = mapped_column(String(200))  # base64url Ed25519 signature
    key_id: Mapped[str] = mapped_column(String(64))


class HistoryEntry(Base):
    """Append-only: who did what to which record, when, from which state to which, and why.

    Rows of one entity form a hash chain: `seq` counts 1, 2, 3, ...; `prev_hash` is the previous
    row's `row_hash` (64 zeros for the first); `row_hash` is sha256 over the row's canonical JSON
    (api/usecases/history.py). The chain's head is signed in `history_heads`."""

    __tablename__ = "history"
    __table_args__ = (UniqueConstraint("entity_type", "entity_id", "seq", name="uq_history_entity_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(30), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(30), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class HistoryHead(Base):
    """The last row of one entity's history chain, signed with the service key after each append:
    a row added by someone without the key lies beyond the signed head (or breaks the signature)."""

    __tablename__ = "history_heads"
    __table_args__ = (PrimaryKeyConstraint("entity_type", "entity_id", name="pk_history_heads"),)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signature: Mapped[str | None] = mapped_column(String(200), nullable=True)  # None: written before 0002


class LoginThrottle(Base):
    """Recent failed sign-ins per (identifier, client address): the one throttle of the token
    endpoint and the web login (api/usecases/throttle.py)."""

    __tablename__ = "login_throttle"
    __table_args__ = (PrimaryKeyConstraint("identifier", "address", name="pk_login_throttle"),)
    identifier: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuthAttempt(Base):
    """Append-only log of every sign-in attempt (never the secret): who tried, from where, outcome."""

    __tablename__ = "auth_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    door: Mapped[str] = mapped_column(String(20))  # token | web_login
    identifier: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    outcome: Mapped[str] = mapped_column(String(30))  # success | invalid_secret | unknown | disabled | throttled


class Job(Base):
    """Heavy work (large CBAM reports, long PDFs, Monte Carlo footprints) queued for `carbonlabel worker`."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_created", "status", "created_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # queued | running | succeeded | failed
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(Integer)  # lines / iterations: what the limits count
    result: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    result_bytes: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --------------------------------------------------------------------------- PACT data exchange
# (migration 0003_pact; docs/pact.md)


class PactShare(Base):
    """An exporter lets one partner account see the footprints of one product over PACT; revoking
    sets `revoked_at` (the row stays, so who shared what and when is kept)."""

    __tablename__ = "pact_shares"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PactConnection(Base):
    """A partner's PACT host we talk to, with the client credentials that host issued to us.
    `partner_id` links the partner's account here (their events arrive with its tokens)."""

    __tablename__ = "pact_connections"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(500))
    auth_base_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret: Mapped[str] = mapped_column(String(500))  # needed in clear to authenticate with it
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PactRequest(Base):
    """An asynchronous footprint request: `outgoing` (we asked a supplier) or `incoming` (a
    partner asked us). `event_id` is the RequestCreatedEvent's id; status pending -> fulfilled |
    rejected."""

    __tablename__ = "pact_requests"
    __table_args__ = (UniqueConstraint("direction", "source", "event_id", name="uq_pact_requests_event"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    direction: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(500))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), nullable=True, index=True)
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("pact_connections.id"), nullable=True)
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PactDelivery(Base):
    """An event waiting to be delivered (the outbox): retried with back-off until delivered or
    the retry period (72 h) is over. Stored, so a restart loses nothing."""

    __tablename__ = "pact_deliveries"
    __table_args__ = (Index("ix_pact_deliveries_due", "status", "next_attempt_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(100))
    target_url: Mapped[str] = mapped_column(String(500))
    # the connection whose credentials (issued to us by the target host) authenticate the delivery
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("pact_connections.id"), nullable=True)
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # pending | delivered | abandoned
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PactFootprintRecord(Base):
    """A supplier's footprint as we received it, with provenance: from which connection, by which
    call or event, when, and what the reader converted or ignored."""

    __tablename__ = "pact_footprints"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    pf_id: Mapped[str] = mapped_column(String(36), index=True)
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("pact_connections.id"), nullable=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("pact_requests.id"), nullable=True)
    via: Mapped[str] = mapped_column(String(20))  # list | get | event | file
    source: Mapped[str] = mapped_column(String(500))  # the URL asked, or the event's source
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    report: Mapped[list[str]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --------------------------------------------------------------------------- carbon-neutral claims, read access, webhooks
# (migration 0004_neutral; docs/neutral.md)


class LedgerHolding(Base):
    """One credit lot or green certificate held by one carbon-neutral claim (issue 16; labels/ledger.py).

    The same lot, an overlapping serial range or the same retirement record backs one claim only,
    across the whole service: api/usecases/ledger.py checks under a lock before it inserts."""

    __tablename__ = "ledger_holdings"
    __table_args__ = (UniqueConstraint("programme", "record_id", name="uq_ledger_record"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    claim_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    programme: Mapped[str] = mapped_column(String(40))
    block: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    first_unit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_unit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    record_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    project_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    vintage: Mapped[int | None] = mapped_column(Integer, nullable=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the lot or certificate as submitted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReadGrant(Base):
    """An exporter's consent that a bank's or buyer's organisation reads one product's certificates, footprint
    series and retirement records (issue 16). Revoking sets `revoked_at`; the next read answers 404."""

    __tablename__ = "read_grants"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)  # the exporter's
    grantee_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # bank | buyer
    granted_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookSubscription(Base):
    """An organisation's endpoint for certificate events (suspended, revoked, renewed, expired; issue 16)."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One signed event for one subscription, stored until delivered (retried with back-off)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_key", name="uq_webhook_event"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    event_key: Mapped[str] = mapped_column(String(200))  # e.g. "revoked:CL-2026-XXXX": one event, once
    body: Mapped[str] = mapped_column(Text)  # RFC 8785 canonical JSON, exactly what was signed
    signature: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvidenceFile(Base):
    """A file attached to a label application as evidence (PDF, XLSX, PNG, JPEG). The bytes live in
    the evidence store (api/usecases/storage.py) under their sha256; this row links them to the
    application and its organisation. `original_name` is the client's name, sanitised, kept as
    metadata only: it is never part of a storage path."""

    __tablename__ = "evidence_files"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(10))  # pdf | xlsx | png | jpeg, from the content
    media_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
