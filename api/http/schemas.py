"""Request and response bodies of the HTTP API (one model per direction; inputs forbid extra fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from footprint.bom import check_free_text, check_text

Role = Literal["exporter", "certifier", "trade_office", "admin"]
Name = Field(min_length=1, max_length=200)
# names shown on certificates and pages: not blank, no control, bidi-override or surrogate characters
SafeName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_text)]
ProductName = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(check_text)]
# reasons are shown on the public verification page: line breaks allowed, no bidi overrides or controls
ReasonText = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(check_free_text)]
# an optional note may be empty (as before), never carry control or bidi-override characters
NoteText = Annotated[str, Field(max_length=4000), AfterValidator(lambda v: check_free_text(v) if v.strip() else v)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TokenResponse(Output):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class OrganisationCreate(Input):
    name: SafeName


class OrganisationPublic(Output):
    id: str
    name: str
    created_at: datetime
    active: bool = True


AccountKind = Literal["client", "person", "partner"]


class UserCreate(Input):
    organisation_id: str = Field(min_length=1, max_length=32)
    name: SafeName
    role: Role
    kind: AccountKind = Field(
        default="client", description="client (API client), person (web sign-in, later), partner (PACT)"
    )


class UserPublic(Output):
    id: str
    organisation_id: str
    name: str
    role: str
    client_id: str
    kind: str = "client"
    active: bool = True


class UserCreated(UserPublic):
    client_secret: str = Field(description="Shown once; only a hash is stored (empty for a person).")


class TokensRevoked(BaseModel):
    user_id: str
    tokens_revoked: int


class ProductCreate(Input):
    name: ProductName
    category: SafeName | None = None
    cn_code: str | None = Field(default=None, pattern=r"^[0-9]{4,10}$")


class ProductPublic(Output):
    id: str
    organisation_id: str
    name: str
    category: str | None
    cn_code: str | None
    created_at: datetime


class BomPublic(Output):
    id: str
    product_id: str
    filename: str
    file_format: str
    sha256: str
    line_count: int
    created_at: datetime


class FootprintCreate(Input):
    bom_id: str = Field(min_length=1, max_length=32)
    method: Literal["AR6", "AR5"] = "AR6"
    electricity: Literal["location", "market"] = "location"
    monte_carlo: int | None = Field(
        default=None,
        ge=10,
        le=10_000_000,
        description="Monte Carlo iterations (above the inline limit: a job, 202; above the hard limit: 413)",
    )
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)


class FootprintColumns(Output):
    """A stored footprint's columns (FootprintPublic without its result document)."""

    id: str
    product_id: str
    bom_id: str | None
    total_kgco2e: float
    method: str
    snapshot_name: str
    snapshot_hash: str
    code_version: str
    input_hash: str
    seed: int | None
    created_at: datetime


class FootprintPublic(FootprintColumns):
    result: dict[str, Any]


class ApplicationCreate(Input):
    product_id: str = Field(min_length=1, max_length=32)
    footprint_id: str = Field(min_length=1, max_length=32)
    scheme: str = Field(min_length=1, max_length=100)
    evidence: dict[str, Any] = Field(default_factory=dict, description="Evidence the rule set asks for")


class Reason(Input):
    reason: NoteText | None = None


class SubmitRequest(Input):
    reason: NoteText | None = Field(default=None, description="e.g. what was added")
    evidence: dict[str, Any] | None = Field(default=None, description="Replaces the evidence (answering a request)")
    footprint_id: str | None = Field(
        default=None, min_length=1, max_length=32, description="A newer footprint of the same product"
    )


class RequiredReason(Input):
    reason: ReasonText


class HistoryPublic(Output):
    id: int
    at: datetime
    actor_id: str | None
    actor_role: str | None
    organisation_id: str
    entity_type: str
    entity_id: str
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None
    detail: dict[str, Any]
    seq: int
    prev_hash: str
    row_hash: str


class BrokenLinkPublic(BaseModel):
    entity_type: str
    entity_id: str
    seq: int | None = Field(description="The row at fault; null when the chain head itself is")
    history_id: int | None
    problem: str


class ChainReportPublic(BaseModel):
    intact: bool
    chains: int
    rows: int
    broken: list[BrokenLinkPublic] = Field(description="The first broken link of each broken chain")


class AuthAttemptPublic(Output):
    id: int
    at: datetime
    door: str
    identifier: str
    address: str
    user_id: str | None
    outcome: str


class ApplicationPublic(Output):
    id: str
    organisation_id: str
    product_id: str
    footprint_id: str
    scheme: str
    status: str
    status_reason: str | None
    evidence: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    assigned_to: str | None = None
    first_approval_by: str | None = None


class ApplicationDetail(ApplicationPublic):
    history: list[HistoryPublic]
    certificate_number: str | None


class AssignRequest(Input):
    certifier_id: str = Field(min_length=1, max_length=64, description="The certifier's account id or client_id")


class EvaluationPublic(BaseModel):
    application_id: str
    at_submit: dict[str, Any] | None = Field(description="The full rule evaluation stored at submit")
    now: dict[str, Any] = Field(description="The same rules run now")
    changes: list[dict[str, Any]] = Field(description="Values that differ, by JSON path: path, at_submit, now")


class FootprintSummary(BaseModel):
    id: str
    bom_id: str | None
    total_kgco2e: float
    method: str
    snapshot: str
    created_at: datetime
    current: bool = Field(description="The footprint the application is for")
    download: str


class ApplicationDocuments(BaseModel):
    application_id: str
    footprint_id: str
    footprints: list[FootprintSummary]
    boms: list[BomPublic]


class StatusPublic(BaseModel):
    status: Literal["valid", "suspended", "revoked", "expired", "superseded"]
    since: datetime
    reason: str | None
    last_surveillance: datetime | None
    surveillance_due: datetime
    superseded_by: str | None


Problem = Literal["unknown_key", "signature_mismatch", "record_altered"]


class SignaturePublic(BaseModel):
    valid: bool
    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str
    problem: Problem | None = Field(default=None, description="Why the certificate cannot be shown as issued")
    reason: str | None


class CertificatePublic(BaseModel):
    number: str
    document: dict[str, Any] = Field(description="The signed document (numbers as decimal strings)")
    signature: str
    key_id: str
    status: StatusPublic
    signature_check: SignaturePublic


class RenewRequest(Input):
    reason: str = Field(min_length=1, max_length=4000, description="Why the certificate is renewed")
    footprint_id: str | None = Field(default=None, min_length=1, max_length=32)


class VerificationPublic(BaseModel):
    certificate_number: str
    status: Literal[
        "valid", "suspended", "revoked", "expired", "superseded", "unknown_key", "signature_mismatch", "record_altered"
    ] = Field(description="The lifecycle status, or why the certificate cannot be trusted (then never 'valid')")
    lifecycle_status: Literal["valid", "suspended", "revoked", "expired", "superseded"] = Field(
        description="What the history says, whether or not the signature and record check out"
    )
    status_since: datetime
    status_reason: str | None
    superseded_by: str | None
    supersedes: str | None
    product: dict[str, Any]
    organisation: str
    value: dict[str, Any]
    scheme: str
    tier: str | None
    grade: str | None
    valid_from: str
    valid_until: str
    rule_set_version: str
    snapshot_hash: str
    issuer: str
    signature: SignaturePublic
    signed_document: dict[str, Any] = Field(description="The certificate document exactly as signed")
    signature_value: str = Field(description="base64url Ed25519 signature over the RFC 8785 form of signed_document")


class PublicKey(BaseModel):
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class KeySet(BaseModel):
    keys: list[PublicKey]


class SchemeList(BaseModel):
    schemes: list[str]


class FootprintMovePublic(BaseModel):
    """One issued certificate's footprint recomputed on the old and the new factor snapshot."""

    certificate_number: str
    certified_kgco2e: float
    old_kgco2e: float | None
    new_kgco2e: float | None
    delta_kgco2e: float | None
    relative_change: float | None
    exceeds: bool
    error: str | None = None
    detail: dict[str, Any] | None = None


class FactorImpactPublic(BaseModel):
    old: str
    new: str
    threshold: float
    certificates: int
    to_recheck: int
    moves: list[FootprintMovePublic]


class ErrorBody(BaseModel):
    detail: str
    code: str = Field(description="Stable error code (docs/service.md, Security model)")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the service's error answers (422 keeps FastAPI's validation shape)."""
    described = {
        401: "Missing, malformed or expired bearer token",
        403: "The caller's role may not do this",
        404: "No such record, or another organisation's",
        409: "The record's state does not allow this action",
        413: "Upload too large",
        422: "Invalid input (names the line, field and value)",
    }
    return {code: ({"model": ErrorBody} if code != 422 else {}) | {"description": described[code]} for code in codes}


class EvidenceFilePublic(Output):
    """An evidence file of a label application (the bytes at `download`)."""

    id: str
    application_id: str
    original_name: str = Field(description="the client's file name, sanitised (metadata only)")
    kind: Literal["pdf", "xlsx", "png", "jpeg"] = Field(description="the type read from the content")
    media_type: str
    size_bytes: int
    sha256: str = Field(description="sha256 of the bytes as uploaded (hex)")
    created_at: datetime
    download: str
