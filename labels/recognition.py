"""Mutual recognition (labels.md P5): may scheme B take over a certificate of scheme A, and on what terms?

Grades are never transferred: the verified value is re-graded under B's rules and benchmark. With a
`value_only` cell only the value is accepted and B's gate is run again on the full dossier.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from labels.accreditation import mla_signatory
from labels.benchmarks import BenchmarkProvider, benchmark_key
from labels.certificate_document import CertificateDocument
from labels.dates import add_months, period_end_after
from labels.decision import Gap, RecognitionCellOut, RecognitionOutcome, RuleSetVersion
from labels.errors import InputInvalid, NotGradedScheme, NoVersionInForce, ProductMismatch, RuleSetInvalid
from labels.evaluate import evaluate, find_benchmark, graded_rules, validate_input
from labels.gate import standards_named
from labels.inputs import Certificate, Period, ProductRule
from labels.numbers import dec, exact, plain
from labels.params import DisplayOnlyRules, GradedRules, Recognition
from labels.ruledata import load_rule_set, scheme_versions, split_scheme_ref, split_variant
from lcidb.version import code_version


def _conditions(cert: Certificate, rec: Recognition, on: date) -> list[Gap]:
    c = rec.conditions
    gaps: list[Gap] = []
    v = cert.verifier
    if v is None:
        gaps.append(Gap(condition="verifier", detail="no third-party verifier on the certificate"))
    elif v.accreditation_body not in c.accreditation_bodies:  # the other routes, e.g. "programme" approval
        signatory, why = mla_signatory(v.accreditation_body, on)
        if not signatory:  # unproven, not refused: a gap to close
            gaps.append(Gap(condition="verifier", detail=f"verifier {v.name!r}: {why}"))
    if v is not None:
        if v.accreditation_valid_until < on:
            gaps.append(Gap(condition="verifier", detail=f"verifier accreditation expired {v.accreditation_valid_until}"))
    if not any(named in c.accepted_standards for named in standards_named(cert.standard)):
        gaps.append(Gap(condition="method", detail=f"standard {cert.standard!r} not among {c.accepted_standards}"))
    earliest = add_months(on, -c.reference_period_max_months)
    if cert.reference_period.end < earliest:
        gaps.append(Gap(condition="reference_period", detail=f"reference period ends {cert.reference_period.end}, "
                                                             f"before {earliest} ({c.reference_period_max_months} months)"))
    if cert.electricity_method not in c.electricity_methods:
        gaps.append(Gap(condition="electricity", detail=f"electricity method {cert.electricity_method!r} not among "
                                                        f"{c.electricity_methods}"))
    if cert.offsets_netted:
        gaps.append(Gap(condition="offsets", detail="offsets are netted in the certified value"))
    return gaps


def _unproven_without_dossier(rules: GradedRules, kind: str) -> list[Gap]:
    """What the target's rules require that a certificate alone cannot show (its dossier would).

    An accept cell takes the source's common gate as equivalent, so only the grade's own condition stays
    unproven; a conditional cell leaves every P1 item that needs the footprint and evidence unproven.
    """
    g, t3 = rules.gate, rules.tiers.T3
    grade = [Gap(condition="T3.primary_data_share",
                 detail=f"unproven: a low-carbon grade needs primary data share >= {plain(t3.min_primary_data_share)}")]
    if kind == "accept":
        return grade if t3.enabled else []
    items = [
        ("G0.complete", "footprint complete (every BOM line linked); emissions without uptake, removals and credits > 0, "
                        "credits not above them"),
        ("G1.product_rule", f"product rule of a kind among {g.method.product_rule_kinds}, the same in footprint and dossier"),
        ("G4.cutoff", f"each exclusion < {plain(g.cutoff.single_max)} and all exclusions <= {plain(g.cutoff.total_max)} "
                      "of the PCF"),
        ("G5.own_processes_primary", f"100 % primary activity data for the applicant's own processes "
                                     f"(stages {g.primary_data.own_process_stages})"),
        ("G6.primary_data_share", f"primary data share >= {plain(g.primary_data.min_share)}"),
        ("G7.dqr", f"emission-weighted DQR mean <= {plain(g.dqr.weighted_mean_max)} per indicator; no input above "
                   f"{plain(g.dqr.poor_input_share_max)} of the PCF rated {plain(g.dqr.poor_rating)} on {g.dqr.poor_indicators}"),
        ("G8.data_age", f"{g.data_age.activity_months} consecutive months of activity data ending at most "
                        f"{g.data_age.activity_end_max_months_before} months before; the site region's default grid "
                        "factor; factors from the latest edition of their dataset"),
        ("G11.applicant", f"legal entity; data procedure in operation >= {g.applicant.data_procedure_min_months} months; "
                          + ("reduction plan on file" if g.applicant.reduction_plan_required else "no reduction plan needed")),
        ("G13.unverified_share", f"share of the PCF from unverified factors <= {plain(g.unverified.share_max)}"),
    ]
    return [Gap(condition=rule_id, detail=f"unproven: {what}") for rule_id, what in items] + (grade if t3.enabled else [])


def _check_dossier(cert: Certificate) -> None:
    """A footprint attached to a certificate must be the one it certifies."""
    fp = cert.footprint
    assert fp is not None
    if fp.product_id != cert.product_id:
        raise ProductMismatch(f"certificate field 'product_id' is {cert.product_id!r} but its footprint's is {fp.product_id!r}")
    if fp.declared_unit.unit != cert.declared_unit.unit or dec(fp.declared_unit.amount) != dec(cert.declared_unit.amount):
        raise ProductMismatch(f"certificate field 'declared_unit' differs from its footprint's "
                              f"({plain(dec(fp.declared_unit.amount))} {fp.declared_unit.unit})")
    if dec(fp.total_kgco2e) != cert.total_kgco2e:
        raise InputInvalid(f"certificate field 'total_kgco2e' is {plain(cert.total_kgco2e)} but its footprint's "
                           f"total_kgco2e is {plain(dec(fp.total_kgco2e))}")


def certificate_from_document(document: CertificateDocument) -> Certificate:
    """A certificate this service issued, as the recognition input; a document of a version that does not
    carry what recognition needs (version 1: verifier, electricity method, ...) is an error naming it."""
    what = f"certificate {document.certificate_number} (document version {document.schema_version})"
    fp, product = document.footprint, document.product
    needed: dict[str, object] = {"footprint.electricity_method": fp.electricity_method, "footprint.offsets_netted": fp.offsets_netted,
              "product.national_catalogue": product.national_catalogue}
    if product.product_rule is not None:
        needed["product.product_rule_kind"] = product.product_rule_kind
    missing = [field for field, value in needed.items() if value is None]
    if missing:
        raise InputInvalid(f"{what} does not state {', '.join(missing)}, which recognition needs; "
                           "present it as a certificate (labels.inputs.Certificate) with those fields")
    if document.tier not in ("T1", "T2", "T3", "T4"):
        raise InputInvalid(f"{what}: tier {document.tier!r} is not a label tier")
    rule = (ProductRule(id=product.product_rule, kind=product.product_rule_kind)
            if product.product_rule is not None else None)
    national = bool(product.national_catalogue)
    return validate_input(Certificate, {
        "certificate_id": document.certificate_number,
        # a variant (`+carbon-neutral`) is recognised as its scheme: the cells name schemes
        "scheme": split_variant(document.scheme)[0],
        "scheme_version": document.rule_set_version,
        "tier": document.tier,
        "grade": document.grade,
        "issued": document.valid_from.date(),
        "valid_until": document.valid_until.date(),
        "product_id": product.id,
        "product_rule": rule,
        "category": product.category,
        "declared_unit": {"amount": float(fp.declared_unit.amount), "unit": fp.declared_unit.unit},
        "boundary": fp.boundary,
        "standard": fp.standard,
        "total_kgco2e": Decimal(fp.total_kgco2e),
        "reference_period": Period(start=fp.reference_period.start, end=fp.reference_period.end),
        "electricity_method": fp.electricity_method,
        "offsets_netted": fp.offsets_netted,
        "verifier": document.verifier,
        "national_catalogue": national,
        # in the catalogue, the gate that issued it required the national rule (G1.national_rule_first)
        "national_product_rule": rule.id if national and rule is not None and rule.kind == "national" else None,
    }, what)


def _as_certificate(certificate: Certificate | CertificateDocument | dict[str, Any]) -> Certificate:
    """Either input form; a JSON object with `certificate_number` is a document this service signed."""
    if isinstance(certificate, CertificateDocument):
        return certificate_from_document(certificate)
    if isinstance(certificate, dict) and "certificate_number" in certificate:
        return certificate_from_document(validate_input(CertificateDocument, certificate, "certificate document"))
    return validate_input(Certificate, certificate, "certificate")


def recognise(
    certificate: Certificate | CertificateDocument | dict[str, Any],
    target: str,
    on: date,
    benchmark_provider: BenchmarkProvider | None = None,
) -> RecognitionOutcome:
    """The outcome for a certificate of scheme A presented to target B on a date, with reasons.

    `certificate` is a certificate of any scheme (labels.inputs.Certificate) or a document this service
    signed (labels.certificate_document.CertificateDocument, or its JSON)."""
    with exact():
        return _recognise(certificate, target, on, benchmark_provider)


def _recognise(
    certificate: Certificate | CertificateDocument | dict[str, Any],
    target: str,
    on: date,
    benchmark_provider: BenchmarkProvider | None,
) -> RecognitionOutcome:
    cert = _as_certificate(certificate)
    scheme_versions(cert.scheme)  # an unknown source scheme is an error naming it
    if cert.scheme == split_scheme_ref(target)[0]:
        raise InputInvalid(f"certificate field 'scheme' is {cert.scheme!r}, the same as the target")
    try:
        rs = load_rule_set(target, on)
    except NoVersionInForce as exc:  # e.g. Macao display before its rules start: an outcome, not an error
        return RecognitionOutcome(
            source_scheme=cert.scheme, target=split_scheme_ref(target)[0], on=on, certificate_id=cert.certificate_id,
            rule_set_version=None, code_version=code_version(), cell=None, outcome="not_recognised",
            new_verification_required=False,
            reasons=[f"{exc}: the target recognises no certificate on this date"])
    if rs.kind == "recognition_only":
        raise NotGradedScheme(f"scheme {target!r} is recognition-only: it can be a source, never a target")
    if rs.kind == "graded":
        rules, prov = graded_rules(rs, on)
        rec = rules.recognition
    else:
        values, prov = rs.params(on)
        try:
            rec = DisplayOnlyRules.model_validate(values).recognition
        except ValidationError as exc:
            raise RuleSetInvalid(f"{rs.path}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None
        rules = None
    base = dict(source_scheme=cert.scheme, target=rs.scheme, on=on, certificate_id=cert.certificate_id,
                rule_set_version=RuleSetVersion(**rs.version_ref), code_version=code_version())
    cell = rec.cells.get(cert.scheme)
    if cell is None:
        return RecognitionOutcome(**base, cell=None, outcome="not_recognised", new_verification_required=True,
                                  reasons=[f"{target} has no recognition cell for {cert.scheme}: full certification"])
    cell_path = f"recognition.cells.{cert.scheme}"
    kind = cell.kind
    reasons = [f"matrix cell {cert.scheme} -> {target}: {kind}{' (value only)' if cell.value_only else ''}; "
               f"{prov[cell_path].cite()}"]
    if cert.national_catalogue and cell.when_national_catalogue:
        kind = cell.when_national_catalogue
        reasons.append(f"product in the national catalogue: the cell for catalogue products is {kind}")
    cell_out = RecognitionCellOut(kind=cell.kind, value_only=cell.value_only, source=prov[cell_path].cite())

    def refuse(why: str) -> RecognitionOutcome:
        return RecognitionOutcome(**base, cell=cell_out, outcome="not_recognised", new_verification_required=True,
                                  reasons=reasons + [why])

    if cert.issued > on:
        return refuse(f"certificate issued {cert.issued}, after the recognition date {on}: full certification")
    if cert.valid_until < on:
        return refuse(f"source certificate expired on {cert.valid_until}: full certification")
    if cert.national_catalogue and cert.scheme != rec.national_scheme:
        rule_id = cert.product_rule.id if cert.product_rule else None
        if rule_id != cert.national_product_rule:
            return refuse(f"national rule first: the product is in the national catalogue and its certificate uses "
                          f"product rule {rule_id!r}, not the national rule {cert.national_product_rule!r}")
        reasons.append(f"national rule first: the certificate uses the national product rule {rule_id!r}")
    if kind == "not_recognised":
        return refuse("not recognised: full certification under the target's rules")

    gaps = _conditions(cert, rec, on)
    if kind == "accept" and gaps:
        reasons.append("accept cell, but the recognition conditions are not all met: the gaps must be closed")
    if kind == "conditional":
        gaps += [Gap(condition="cell", detail=g) for g in cell.gaps]
    if cert.tier in ("T2", "T4") or cert.grade:
        reasons.append(f"the source tier {cert.tier}{' grade ' + cert.grade if cert.grade else ''} is not transferred; "
                       "the value is re-graded under the target's rules")

    if cert.footprint is not None:
        _check_dossier(cert)
    regrade = None
    target_tier = target_grade = None
    unproven: list[Gap] = []
    if rules is not None:
        if cert.footprint is not None and cert.evidence is not None:
            # the target's own gate decides: a grade it would refuse is never handed out
            regrade = evaluate(cert.footprint, cert.evidence, rs.scheme, on, benchmark_provider, rule_set=rs)
            failed = [o for o in regrade.rules if o.status == "failed" and o.rule_id.startswith("G")]
            gaps += [Gap(condition=f"target gate {o.rule_id}", detail=o.detail) for o in failed]
            reasons.append(f"{'value only: ' if cell.value_only else ''}the target's gate was run again "
                           f"({'passed' if regrade.gate_passed else 'failed'}) on the certificate's dossier")
            target_tier, target_grade = regrade.tier, regrade.grade
            if target_tier in ("T2", "T4"):  # reductions and neutrality need the target's own re-baselining
                target_tier = "T3" if regrade.grade else "T1"
        else:
            if cell.value_only:
                gaps.append(Gap(condition="target gate", detail="value only: the footprint result and evidence are "
                                                                "needed to run the target's gate again"))
            unproven = _unproven_without_dossier(rules, kind)
            target_tier = "T1"
            key = benchmark_key(cert.product_rule.id if cert.product_rule else None, cert.category,
                                cert.declared_unit.amount, cert.declared_unit.unit)
            bench, why = find_benchmark(rules, prov, key, on, benchmark_provider)
            if bench is None:
                reasons.append(f"no T3 grade under {target}: {why}")
            else:
                reachable = next((name for name, factor in sorted(rules.tiers.T3.grades.items(), key=lambda kv: kv[1])
                                  if bench.within(cert.total_kgco2e, factor)), None)
                reasons.append(
                    f"no grade without the dossier: the value {plain(cert.total_kgco2e)} "
                    + (f"is within grade {reachable}" if reachable else "is above every grade")
                    + f" of {target}'s benchmark {plain(bench.value)} ({bench.kind}, hash {bench.hash}), but the "
                    f"target's conditions for a grade are unproven: {[u.condition for u in unproven]}")

    outcome = "accepted" if not gaps else "conditional"
    until = min(cert.valid_until, period_end_after(on, rec.validity.months)) if outcome == "accepted" else None
    if outcome == "accepted":
        reasons.append(f"issued validity = min(source valid until {cert.valid_until}, {rec.validity.months} months "
                       f"from {on} = {period_end_after(on, rec.validity.months)}) = {until}")
        reasons.append(f"{target} issues its own certificate without new verification")
    else:
        reasons.append("conditional: no certificate and no validity until the gaps are closed")
    return RecognitionOutcome(
        **base, cell=cell_out, outcome=outcome, new_verification_required=False, gaps=gaps, unproven=unproven,
        reasons=reasons, recognised_kgco2e=cert.total_kgco2e, regrade=regrade,
        target_tier=target_tier if outcome == "accepted" else None,
        target_grade=target_grade if outcome == "accepted" else None,
        valid_from=on if outcome == "accepted" else None, valid_until=until,
    )
