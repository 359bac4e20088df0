"""Carbon-neutral (T4) claims for the web pages (issue 16 item 4): what a claim page shows, and building a claim
from a page's form. A claim is an application under a carbon-neutral rule-set variant (`<scheme>+carbon-neutral`)
whose evidence carries `neutrality` (labels.inputs.Neutrality): the period and units sold, the ISO 14068-1
management plan, the retired credit lots. Creating, submitting, reviewing and approving go through the same use
cases as the API (api.usecases.applications, api.usecases.approval); the ledger holds the lots from submission.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.usecases.domain import Domain
from api.errors import InvalidInput, NotFound
from api.storage.models import Application, Certificate, Footprint, Organisation, Product, User
from api.usecases import applications as workflow
from api.usecases import certificates, grading, ledger
from api.usecases.access import get_visible
from labels.inputs import Neutrality
from labels.ledger import CreditLot
from labels.programmes import load_programmes

VARIANT = "+carbon-neutral"
LOT_COLUMNS = ("programme", "registry", "project_id", "project_name", "project_type", "methodology", "verifier",
               "vintage", "serial_range", "retirement_record_id", "quantity_tco2e", "retired_on", "evidence_file",
               "removal")
REQUIRED_LOT_COLUMNS = ("programme", "registry", "project_id", "project_name", "methodology", "vintage",
                        "quantity_tco2e", "retired_on", "evidence_file")
TRUE_WORDS = {"yes", "true", "1", "y", "是"}
FALSE_WORDS = {"", "no", "false", "0", "n", "否"}


def neutral_schemes(domain: Domain) -> list[str]:
    """The carbon-neutral variants in force (a certification body offers T4 by choosing one)."""
    return sorted(s for s in domain.schemes() if s.endswith(VARIANT))


def is_claim(application: Application) -> bool:
    return application.scheme.endswith(VARIANT) or bool((application.evidence or {}).get("neutrality"))


def _problem(where: str, exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    path = ".".join([where, *(str(p) for p in first["loc"])])
    return InvalidInput(f"{path}: {first['msg']} (value {first.get('input')!r:.80})")


def read_lots_csv(text: str) -> list[dict[str, Any]]:
    """Lots from CSV text with a header row (LOT_COLUMNS); errors name the line and field."""
    rows = list(csv.DictReader(io.StringIO(text.strip())))
    if not rows:
        raise InvalidInput("lots: no lot (a header row and one line per retired lot are needed)")
    header = set(rows[0])
    unknown = sorted(header - set(LOT_COLUMNS))
    missing = [c for c in REQUIRED_LOT_COLUMNS if c not in header]
    if unknown or missing:
        raise InvalidInput(f"lots line 1 (header): unknown columns {unknown}, missing columns {missing}; "
                           f"columns are {', '.join(LOT_COLUMNS)}")
    lots = []
    for number, row in enumerate(rows, start=2):
        lot = {k: (v or "").strip() for k, v in row.items() if k in LOT_COLUMNS and (v or "").strip()}
        removal = (row.get("removal") or "").strip().lower()
        if removal not in TRUE_WORDS | FALSE_WORDS:
            raise InvalidInput(f"lots line {number}, field 'removal': {removal!r} is not yes or no")
        lot["removal"] = removal in TRUE_WORDS
        try:
            CreditLot.model_validate(lot)
        except ValidationError as exc:
            raise _problem(f"lots line {number}", exc) from None
        lots.append(lot)
    return lots


def read_dossier(raw: bytes) -> dict[str, Any]:
    """The base evidence (declared unit, product rule, verifier, ...) as the API takes it: a JSON object."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"evidence file: not UTF-8 JSON ({exc})") from None
    if not isinstance(value, dict):
        raise InvalidInput("evidence file: a JSON object is needed")
    value.pop("neutrality", None)  # the claim's part comes from the form
    return value


@dataclass(frozen=True)
class ClaimForm:
    """The neutral part of a claim as a page's form gives it (text fields; dates as YYYY-MM-DD)."""

    period_start: str
    period_end: str
    units_sold: str
    plan_reference: str
    plan_adopted_on: str
    plan_evidence_file: str
    baseline_start: str = ""
    baseline_end: str = ""
    baseline_kgco2e: str = ""
    target_by: str = ""
    target_kgco2e: str = ""
    timeline_end: str = ""
    lots_csv: str = ""

    def neutrality(self) -> dict[str, Any]:
        plan: dict[str, Any] = {"reference": self.plan_reference, "adopted_on": self.plan_adopted_on,
                                "evidence_file": self.plan_evidence_file}
        if self.baseline_kgco2e:
            plan["baseline"] = {"period": {"start": self.baseline_start, "end": self.baseline_end},
                                "kgco2e": self.baseline_kgco2e}
        if self.target_kgco2e:
            plan["targets"] = [{"by": self.target_by, "kgco2e": self.target_kgco2e}]
        if self.timeline_end:
            plan["timeline_end"] = self.timeline_end
        claim = {"period": {"start": self.period_start, "end": self.period_end}, "units_sold": self.units_sold,
                 "management_plan": plan, "lots": read_lots_csv(self.lots_csv)}
        try:
            Neutrality.model_validate(claim)
        except ValidationError as exc:
            raise _problem("neutrality", exc) from None
        return claim


def create_claim(session: Session, domain: Domain, *, actor: User, product: Product, footprint: Footprint,
                 scheme: str, dossier: dict[str, Any], form: ClaimForm) -> Application:
    """A draft claim; refused (409, naming the claim) at once when a lot is already held by another claim."""
    if scheme not in neutral_schemes(domain):
        raise InvalidInput(f"scheme {scheme!r} is not a carbon-neutral variant in force: "
                           f"{', '.join(neutral_schemes(domain)) or 'none'}")
    evidence = {**dossier, "neutrality": form.neutrality()}
    ledger.check(session, evidence=evidence)
    return workflow.create_application(session, actor=actor, product=product, footprint=footprint, scheme=scheme,
                                       known_schemes=domain.schemes(), evidence=evidence)


def visible_claim(session: Session, user: User, claim_id: str) -> Application:
    """The claim the user may see (the API's organisation scoping), else NotFound (also for a plain application)."""
    application = get_visible(session, Application, claim_id, user, "claim")
    if not is_claim(application):
        raise NotFound(f"claim {claim_id} not found")
    return application


def visible_footprint(session: Session, user: User, footprint_id: str) -> tuple[Product, Footprint]:
    footprint = get_visible(session, Footprint, footprint_id, user, "footprint")
    return get_visible(session, Product, footprint.product_id, user, "product"), footprint


def claims_of(session: Session, user: User) -> list[Application]:
    return [a for a in workflow.list_applications(session, user=user, status=None, limit=500, offset=0)
            if is_claim(a)]


def programme_names() -> dict[str, dict[str, str]]:
    return {pid: p.names for pid, p in load_programmes().items()}


@dataclass
class ClaimView:
    application: Application
    product: Product
    organisation: Organisation
    footprint: Footprint | None
    neutrality: dict[str, Any]
    holdings: list[dict[str, Any]]
    t4_rules: list[dict[str, Any]]
    evaluation: dict[str, Any]
    certificate_number: str | None = None
    programmes: dict[str, dict[str, str]] = field(default_factory=dict)


def _holding_rows(session: Session, claim_id: str) -> list[dict[str, Any]]:
    return [{"programme": r.programme, "record_id": r.record_id, "document": r.document,
             "serial_range": None if r.block is None else f"{r.block}:{r.first_unit}-{r.last_unit}"}
            for r in ledger.holdings_of(session, claim_id)]


def claim_view(session: Session, domain: Domain, application: Application, *, rerun: bool) -> ClaimView:
    """Everything a claim page shows; `rerun`: the rules run now (the certifier's view), else as submitted
    (a draft is evaluated now, so the exporter sees the checks before submitting)."""
    footprint = session.get(Footprint, application.footprint_id)
    evaluation = application.submitted_evaluation
    if footprint is not None and (rerun or application.status == "draft"):
        evaluation = grading.stored_evaluation(session, domain, application, footprint)
    rules = ((evaluation or {}).get("explanation") or {}).get("rules") or []
    product, organisation = session.get(Product, application.product_id), session.get(Organisation,
                                                                                     application.organisation_id)
    assert product is not None and organisation is not None
    number = session.scalar(select(Certificate.number).where(Certificate.application_id == application.id))
    return ClaimView(application=application, product=product, organisation=organisation, footprint=footprint,
                     neutrality=(application.evidence or {}).get("neutrality") or {},
                     holdings=_holding_rows(session, application.id),
                     t4_rules=[r for r in rules if str(r.get("rule_id", "")).startswith("T4.")],
                     evaluation=evaluation or {}, certificate_number=number, programmes=programme_names())


@dataclass(frozen=True)
class PublicClaim:
    number: str
    status: str
    product: str
    organisation: str
    document: dict[str, Any]
    claim_text: dict[str, str]
    period: dict[str, Any]
    units_sold: str | None
    lots: list[dict[str, Any]]
    programmes: dict[str, dict[str, str]]


PUBLIC_LOT_FIELDS = ("programme", "registry", "project_id", "project_name", "project_type", "methodology",
                     "vintage", "serial_range", "retirement_record_id", "quantity_tco2e", "retired_on", "removal")


def certificate_lots(session: Session, certificate: Certificate) -> list[dict[str, Any]]:
    """The credit lots (not green certificates) the certificate's claim holds in the ledger, as retired."""
    return [{k: row["document"].get(k) for k in PUBLIC_LOT_FIELDS}
            for row in _holding_rows(session, certificate.application_id) if "project_name" in row["document"]]


def public_claim(session: Session, number: str) -> PublicClaim:
    """The public page of a certificate's carbon-neutral claim: its signed text and the retired lots (serials
    are disclosed, labels.md P2 T4). NotFound for a certificate without a claim."""
    certificate = certificates.get_by_number(session, number)
    document = certificates.payload_of(certificate)
    if not document.get("neutral_claim"):
        raise NotFound(f"certificate {number} carries no carbon-neutral claim")
    application = session.get(Application, certificate.application_id)
    neutrality = ((application.evidence if application else None) or {}).get("neutrality") or {}
    lots = certificate_lots(session, certificate)
    return PublicClaim(number=certificate.number, status=certificates.status_of(session, certificate).status,
                       product=str((document.get("product") or {}).get("name", "")),
                       organisation=str((document.get("organisation") or {}).get("name", "")),
                       document=document, claim_text=document["neutral_claim"], period=neutrality.get("period") or {},
                       units_sold=neutrality.get("units_sold"), lots=lots, programmes=programme_names())
