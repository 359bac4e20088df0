"""The certificate document: what the service signs, stores, renders, verifies and presents for recognition.

One model for every reader. The signed bytes are RFC 8785 (JCS) canonical JSON of `wire()`; numbers
never appear in it: every number is a decimal string (`DecimalText`), so the signature does not depend
on how a language prints floating point, and a document read back serialises to the very bytes that
were signed.

Format versions (`schema_version`):
- "1" (until 2026-12-01): the certificate, the footprint's headline figures and provenance. Early
  documents lack `method_share`, `certification_body` and `approved_by`; `reduction` (T2) and
  `neutral_claim` (T4) appear only when the tier has them.
- "2": adds what another scheme needs to recognise the certificate: the product rule's kind and the
  national-catalogue flag, the footprint's electricity method and whether offsets were netted, and the
  third-party verifier.
A key a document does not carry is *absent*, never null: reading a version-1 document and writing it
again gives the same bytes (tests/api/test_certificate_document.py, with documents signed by the v1 code).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Literal

import rfc8785
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from footprint.result import Boundary, ElectricityMethod, MethodName
from labels.inputs import ProductRuleKind, Verifier

Version = Literal["1", "2"]
CURRENT_VERSION: Version = "2"
Algorithm = Literal["Ed25519"]
Canonicalisation = Literal["RFC 8785 (JCS), numbers as decimal strings"]


def decimal_string(value: float | Decimal) -> str:
    """A number as the shortest decimal string that round-trips (repr of a float), never exponent form."""
    if isinstance(value, bool):
        raise TypeError("booleans are not numbers here")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot sign a non-finite number: {value}")
        value = Decimal(repr(value))
    text = format(Decimal(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _decimal_text(value: Any) -> str:
    """A number (written as its decimal string) or a decimal string (kept exactly as signed)."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return decimal_string(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a decimal string, got {value!r}")  # noqa: TRY004 - pydantic reports ValueError
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return value


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _utc(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:  # the service stores UTC without tzinfo (SQLite)
        return value.replace(tzinfo=UTC)
    return value


# A number as signed: its decimal text (use `Decimal(x)` to compute with it).
DecimalText = Annotated[str, BeforeValidator(_decimal_text)]
# Whole numbers are written as decimal strings too ("365"), read back as int.
WholeText = Annotated[int, PlainSerializer(lambda n: str(n), return_type=str)]
Timestamp = Annotated[datetime, BeforeValidator(_utc), PlainSerializer(_iso, return_type=str)]


class _Part(BaseModel):
    """A part of the document: unknown keys are errors (they would be dropped and break the signature)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # keys written only when the document has them (added in a later version, or tier-specific)
    _absent_unless_set: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_absent(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for key in self._absent_unless_set - self.model_fields_set:
            data.pop(key, None)
        return data


class Party(_Part):
    id: str
    name: str


class Surveillance(_Part):
    interval_days: WholeText
    grace_days: WholeText


class ProductPart(_Part):
    _absent_unless_set = frozenset({"product_rule_kind", "national_catalogue"})

    id: str
    name: str
    category: str
    cn_code: str | None
    product_rule: str | None
    product_rule_kind: ProductRuleKind | None = Field(default=None, description="v2: the kind of the product rule")
    national_catalogue: bool | None = Field(default=None, description="v2: the product is in the national catalogue")


class DeclaredUnitPart(_Part):
    amount: DecimalText
    unit: str


class PeriodPart(_Part):
    start: date
    end: date


class FootprintPart(_Part):
    _absent_unless_set = frozenset({"method_share", "electricity_method", "offsets_netted"})

    id: str
    total_kgco2e: DecimalText
    pcf_excluding_biogenic_uptake: DecimalText
    declared_unit: DeclaredUnitPart
    boundary: Boundary
    standard: str
    method: MethodName
    # the part of the total characterised under `method` (footprint.result: by_gwp_basis)
    method_share: DecimalText | None = None
    reference_period: PeriodPart
    primary_data_share: DecimalText
    electricity_method: ElectricityMethod | None = Field(default=None, description="v2")
    offsets_netted: bool | None = Field(default=None, description="v2: offsets were subtracted from the value")


class ProvenancePart(_Part):
    snapshot_name: str
    snapshot_hash: str
    code_version: str
    input_hash: str


class CertificationBodyPart(_Part):
    name: str
    accreditation_number: str


class ReductionPart(_Part):
    """T2: what the label prints as "-x.x % vs <base year>" (labels.decision.Reduction, as signed)."""

    percent: DecimalText
    base_year: str
    base_period: PeriodPart
    previous_rebaselined_kgco2e: DecimalText
    previous_certified_kgco2e: DecimalText
    previous_certificate_id: str
    current_kgco2e: DecimalText
    rebaselined: bool = True


class CertificateDocument(_Part):
    """The signed certificate. Build it with `issue_document`-style code in the service; read a stored
    one with `CertificateDocument.from_json` (once per request: it is validated there)."""

    _absent_unless_set = frozenset(
        {"reduction", "neutral_claim", "certification_body", "approved_by", "verifier"}
    )

    schema_version: Version
    certificate_number: str
    key_id: str
    algorithm: Algorithm = "Ed25519"
    canonicalisation: Canonicalisation = "RFC 8785 (JCS), numbers as decimal strings"
    issuer: str
    issued_at: Timestamp
    valid_from: Timestamp
    valid_until: Timestamp
    scheme: str
    tier: str | None
    grade: str | None
    label: dict[str, str] = Field(description='"zh-CN" / "zh-TW" / "en" -> the on-pack label text')
    reduction: ReductionPart | None = Field(default=None, description="T2 only")
    rule_set_version: str
    surveillance: Surveillance
    organisation: Party
    product: ProductPart
    footprint: FootprintPart
    provenance: ProvenancePart
    application_id: str
    supersedes: str | None
    verification_url: str
    certification_body: CertificationBodyPart | None = None
    approved_by: list[Party] | None = Field(default=None, description="the approving certifiers, in order")
    neutral_claim: dict[str, str] | None = Field(default=None, description="T4 only: the claim in three languages")
    verifier: Verifier | None = Field(default=None, description="v2: the third-party verifier of the footprint")

    @classmethod
    def from_json(cls, text: str | bytes) -> CertificateDocument:
        return cls.model_validate_json(text)

    def wire(self) -> dict[str, Any]:
        """The document as JSON values (every number a decimal string): what is signed and published."""
        return self.model_dump(mode="json")

    def canonical(self) -> bytes:
        """The bytes the signature covers (RFC 8785)."""
        return rfc8785.dumps(self.wire())

    @property
    def total(self) -> Decimal:
        return Decimal(self.footprint.total_kgco2e)
