"""The procurement check (issue 16): "certificate N is valid on date D with at least grade G", answered with
the signed certificate document as proof (neutral-finance.md §4.3: buyers rely on certificates 处于有效期之内).

Valid on D means valid for the whole day (UTC): issued by the start of D, and the computed state is `valid`
both at the start of D and at its last instant; so a certificate that expires, is suspended or revoked during
D is not valid on D. Whether the certificate holds grade G is `labels.procurement.at_least`, with the grades
of the rule-set version that issued it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, UTC
from typing import Any

from sqlalchemy.orm import Session

from api.errors import InvalidInput
from api.usecases import certificates
from labels.errors import LabelsError
from labels.evaluate import graded_rules
from labels.procurement import at_least
from labels.ruledata import load_rule_set


@dataclass(frozen=True)
class ProcurementAnswer:
    certificate_number: str
    on: date
    grade_asked: str
    meets: bool
    valid_on_date: bool
    status_at_start: str
    status_at_end: str
    grade_check: str
    signed_document: dict[str, Any]
    signature_value: str
    key_id: str


def check(session: Session, *, number: str, on: date, grade: str) -> ProcurementAnswer:
    certificate = certificates.get_by_number(session, number)
    document = certificates.payload_of(certificate)
    start = datetime.combine(on, time.min, tzinfo=UTC)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    at_start = certificates.status_of(session, certificate, now=start)
    at_end = certificates.status_of(session, certificate, now=end)
    valid = certificate.valid_from <= start and at_start.status == "valid" and at_end.status == "valid"
    typed = certificates.document_of(certificate)
    ref = typed.rule_set_version
    try:
        issued_on = certificate.issued_at.date()
        grades = graded_rules(load_rule_set(ref, issued_on), issued_on)[0].tiers.T3.grades
        verdict = at_least(typed.tier, typed.grade, grade, grades)
    except LabelsError as exc:
        raise InvalidInput(f"grade {grade!r} for certificate {number} (rule set {ref!r}): {exc}") from None
    return ProcurementAnswer(
        certificate_number=certificate.number, on=on, grade_asked=grade, meets=valid and verdict.meets,
        valid_on_date=valid, status_at_start=at_start.status, status_at_end=at_end.status,
        grade_check=verdict.reason, signed_document=document, signature_value=certificate.signature,
        key_id=certificate.key_id)
