"""Screening and surveillance sampling over the service database (the pure checks are labels/screening.py).

This module only gathers what the checks compare against - the registry's peer certificates of the
same benchmark key, the product's previous certificate, other applicants' BOM signatures, the BOM
and evidence of the application - and hands them to `labels.screening`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import InvalidInput
from api.storage.models import Application, BomUpload, Certificate, Footprint, utcnow
from api.usecases.certificates import document_of, status_of
from footprint.result import FootprintResult
from labels.errors import LabelsError
from labels.screening import (
    Candidate,
    OtherBom,
    PeerCertificate,
    Pick,
    PreviousCertificate,
    ScreeningReport,
    StatedChange,
    bom_signature,
    load_thresholds,
    reasons_of,
    sample,
    screen,
)

BenchmarkKeyOf = Callable[[FootprintResult], str]


def _thresholds(on: date) -> Any:
    """The screening thresholds in force on `on`; a date before them is bad input (422), not a crash."""
    try:
        return load_thresholds(on)
    except LabelsError as exc:
        raise InvalidInput(str(exc).replace(str(exc).split(": ")[0] + ": ", "screening thresholds: ", 1)) from None


def _end_of(on: date) -> datetime:
    return datetime.combine(on, datetime.max.time()).replace(tzinfo=utcnow().tzinfo)


def peers_of(session: Session, key: str, on: date, *, product_id: str) -> list[PeerCertificate]:
    """Certificates valid on `on` with this benchmark key, other products only."""
    moment = _end_of(on)
    query = select(Certificate).where(Certificate.benchmark_key == key, Certificate.valid_from <= moment,
                                      Certificate.product_id != product_id)
    return [
        PeerCertificate(certificate_number=c.number, organisation_id=c.organisation_id, product_id=c.product_id,
                        total_kgco2e=c.total_kgco2e)
        for c in session.scalars(query.order_by(Certificate.number))
        if status_of(session, c, now=moment).status == "valid"
    ]


def previous_of(session: Session, product_id: str, *, before: datetime,
                exclude_number: str | None = None) -> PreviousCertificate | None:
    """The product's latest certificate issued before `before`."""
    query = select(Certificate).where(Certificate.product_id == product_id, Certificate.issued_at < before)
    if exclude_number is not None:
        query = query.where(Certificate.number != exclude_number)
    row = session.scalars(query.order_by(Certificate.issued_at.desc(), Certificate.number.desc()).limit(1)).first()
    if row is None:
        return None
    return PreviousCertificate(certificate_number=row.number, total_kgco2e=row.total_kgco2e, issued=row.issued_at.date())


def other_boms(session: Session, organisation_id: str) -> list[OtherBom]:
    """Every other organisation's stored footprint as BOM line signatures (one per footprint)."""
    rows = session.scalars(select(Footprint).where(Footprint.organisation_id != organisation_id).order_by(Footprint.id))
    return [
        OtherBom(organisation_id=f.organisation_id, product_id=f.product_id, reference=f"footprint {f.id}",
                 signature=bom_signature(FootprintResult.model_validate(f.result)))
        for f in rows
    ]


def _editions(fp: FootprintResult) -> Any:
    """The factor catalogue of the footprint's own snapshot (else the current one), when published here."""
    from api.usecases.labelling import catalogue_editions

    return catalogue_editions(fp.provenance.snapshot_hash, "default")


def screen_footprint(
    session: Session,
    fp: FootprintResult,
    *,
    key: str,
    on: date,
    organisation_id: str | None,
    product_id: str,
    bom: dict[str, Any] | None,
    evidence: dict[str, Any] | None,
    stated_changes: Sequence[StatedChange] = (),
    before: datetime | None = None,
    exclude_number: str | None = None,
    all_boms: Sequence[OtherBom] | None = None,
) -> ScreeningReport:
    """Screen one footprint against this registry (peers, previous certificate, other applicants' BOMs).

    `all_boms`: every stored footprint's signature, when the caller screens many (read once, not per call)."""
    thresholds = _thresholds(on)
    if all_boms is not None:
        others = [b for b in all_boms if b.organisation_id != organisation_id]
    else:
        others = other_boms(session, organisation_id) if organisation_id else []
    return screen(
        fp, on=on, bom=bom, evidence=evidence, thresholds=thresholds,
        peers=peers_of(session, key, on, product_id=product_id),
        previous=previous_of(session, product_id, before=before or _end_of(on), exclude_number=exclude_number),
        stated_changes=stated_changes,
        applicant=organisation_id,
        other_boms=others,
        editions=_editions(fp),
    )


APPLICATION_FIELDS = {"footprint", "bom", "evidence", "stated_changes", "previous_certificate", "organisation_id"}


def registry_peers(members: Any, key: str, source: str = "registry") -> list[PeerCertificate]:
    """Peers of benchmark `key` from a registry document ({"<key>": [{certificate_id, total_kgco2e}, ...]})."""
    if not isinstance(members, dict):
        raise InvalidInput(f"{source}: top level must map benchmark key -> list of members")
    try:
        return [PeerCertificate(certificate_number=str(m["certificate_id"]), total_kgco2e=float(m["total_kgco2e"]))
                for m in members.get(key, [])]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"{source}: key {key!r}: each member needs certificate_id and total_kgco2e ({exc!r})") from None


def screen_document(
    document: Any, *, on: date, registry: Any = None, registry_source: str = "registry", use_database: bool = True,
) -> ScreeningReport:
    """Screen a footprint JSON, or an application JSON {footprint, bom?, evidence?, stated_changes?,
    previous_certificate?, organisation_id?}; peers from `registry` (a registry document) or the
    service database when it exists, other applicants' BOMs from the database.

    InvalidInput for an unknown shape; LabelsError / pydantic ValidationError for a bad footprint or change."""
    from api.usecases.labelling import benchmark_key
    from api.usecases.service_database import read_only_session, service_database_exists
    from labels.screening import footprint_from_json

    if not isinstance(document, dict):
        raise InvalidInput("top level must be a footprint or an application object")
    application = document if "footprint" in document else {"footprint": document}
    unknown = set(application) - APPLICATION_FIELDS
    if unknown:
        raise InvalidInput(f"unknown field(s) {sorted(unknown)} (docs/screening.md)")
    fp = footprint_from_json(application["footprint"])
    changes = [StatedChange.model_validate(c) for c in application.get("stated_changes", [])]
    previous = (PreviousCertificate.model_validate(application["previous_certificate"])
                if application.get("previous_certificate") else None)
    key = benchmark_key(fp)
    peers = registry_peers(registry, key, registry_source) if registry is not None else []
    others: list[OtherBom] = []
    if use_database and service_database_exists():
        with read_only_session() as session:
            if registry is None:
                peers = peers_of(session, key, on, product_id=fp.product_id)
            others = other_boms(session, str(application.get("organisation_id") or ""))
    return screen(fp, on=on, bom=application.get("bom"), evidence=application.get("evidence"), peers=peers,
                  previous=previous, stated_changes=changes, applicant=str(application.get("organisation_id") or "") or None,
                  other_boms=others, editions=_editions(fp))


def screen_stored_application(application_id: str, *, on: date) -> ScreeningReport:
    """Screen an application of the service database by id (NotFound when there is none)."""
    from api.errors import NotFound
    from api.usecases.labelling import benchmark_key
    from api.usecases.service_database import read_only_session

    with read_only_session("no such file, and ") as session:
        application = session.get(Application, application_id)
        if application is None:
            raise NotFound("neither a file nor an application id in the service database")
        return screen_application(session, application, key_of=benchmark_key, on=on)


def sample_stored(*, n: int, seed: int, on: date) -> tuple[list[Pick], int]:
    """`sample_for_surveillance` on the service database (read only)."""
    from api.usecases.service_database import read_only_session

    with read_only_session() as session:
        return sample_for_surveillance(session, n=n, seed=seed, on=on)


def screen_application(
    session: Session, application: Application, *, key_of: BenchmarkKeyOf, on: date,
    stated_changes: Sequence[StatedChange] = (), all_boms: Sequence[OtherBom] | None = None,
) -> ScreeningReport:
    footprint = session.get(Footprint, application.footprint_id)
    assert footprint is not None
    fp = FootprintResult.model_validate(footprint.result)
    upload = session.get(BomUpload, footprint.bom_id) if footprint.bom_id else None
    issued = session.scalar(select(Certificate).where(Certificate.issue_key == f"application:{application.id}"))
    return screen_footprint(
        session, fp, key=key_of(fp), on=on, organisation_id=application.organisation_id,
        product_id=application.product_id, bom=upload.bom if upload else None, evidence=application.evidence,
        stated_changes=stated_changes, exclude_number=issued.number if issued else None, all_boms=all_boms,
    )


def screen_certificate(session: Session, certificate: Certificate, *, on: date,
                       all_boms: Sequence[OtherBom] | None = None) -> ScreeningReport:
    """A certificate screened as it stood: its own footprint, compared with the registry on `on`."""
    application = session.get(Application, certificate.application_id)
    assert application is not None
    footprint = session.get(Footprint, document_of(certificate).footprint.id)
    assert footprint is not None
    fp = FootprintResult.model_validate(footprint.result)
    upload = session.get(BomUpload, footprint.bom_id) if footprint.bom_id else None
    return screen_footprint(
        session, fp, key=certificate.benchmark_key, on=on, organisation_id=certificate.organisation_id,
        product_id=certificate.product_id, bom=upload.bom if upload else None, evidence=application.evidence,
        before=certificate.issued_at, exclude_number=certificate.number, all_boms=all_boms,
    )


def surveillance_candidates(session: Session, on: date) -> list[Candidate]:
    """Every certificate valid on `on`, with its risk score and the findings behind it."""
    moment = _end_of(on)
    candidates = []
    all_boms = other_boms(session, organisation_id="")  # every organisation's, read once
    for certificate in session.scalars(select(Certificate).where(Certificate.valid_from <= moment).order_by(Certificate.number)):
        if status_of(session, certificate, now=moment).status != "valid":
            continue
        report = screen_certificate(session, certificate, on=on, all_boms=all_boms)
        candidates.append(Candidate(certificate_number=certificate.number, risk_score=report.risk_score,
                                    reasons=reasons_of(report)))
    return candidates


def sample_for_surveillance(session: Session, *, n: int, seed: int, on: date) -> tuple[list[Pick], int]:
    """`n` certificates for third-party spot checks, drawn with weight base + risk score; and the pool size."""
    base = _thresholds(on).number("sampling.base_weight")
    candidates = surveillance_candidates(session, on)
    return sample(candidates, n, seed, base_weight=base), len(candidates)
