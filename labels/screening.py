"""Screening for certifiers: findings a reviewer would miss, a risk score, and risk-weighted spot-check sampling.

Pure functions over a footprint result, its BOM and evidence (optional), the registry's peer
certificates, the previous certificate and other applicants' BOM signatures. No database, no
HTTP: the service (api/usecases/screening.py) gathers those lists and calls `screen`.

Checks (docs/screening.md), each giving one finding with evidence and a severity
(info < low < medium < high); thresholds are dated data in data/screening/thresholds.yaml:

- mass_balance: material in (raw-material lines with a mass unit) minus stated losses (credit lines,
  waste lines) vs the declared product mass;
- peer_comparison: percentile and robust z (MAD) among registry certificates of the same benchmark key;
- proxy_factors, unverified_factors, outdated_factors, regional_grid, use_phase, supplier_verification;
- history_drop: the drop against the previous certificate beyond re-baselining and stated changes;
- copied_bom: the BOM's line signatures identical or nearly so to another applicant's.

Sampling (`sample`) draws certificates for third-party spot checks with probability growing with the
risk score (weighted sampling without replacement, Efraimidis & Spirakis 2006), reproducible from a seed.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from statistics import median
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from footprint.result import FootprintResult, LineContribution
from labels.errors import InputInvalid, RuleSetInvalid
from labels.gate import DatasetEditions, FootprintOwnEditions, dataset_key
from labels.ruledata import Provenance, _is_leaf, _parse_leaf, load_yaml_strict

Severity = Literal["info", "low", "medium", "high"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3}
Check = Literal[
    "mass_balance", "peer_comparison", "proxy_factors", "unverified_factors", "outdated_factors", "regional_grid",
    "use_phase", "supplier_verification", "history_drop", "copied_bom",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- inputs ---------------------------------------------------------------------------------


class PeerCertificate(_Model):
    """A registry certificate of the same benchmark key (product rule or category + declared unit)."""

    certificate_number: str
    organisation_id: str | None = None
    product_id: str | None = None
    total_kgco2e: float


class PreviousCertificate(_Model):
    """The last certificate of the same product before this application."""

    certificate_number: str
    total_kgco2e: float
    issued: date | None = None


class StatedChange(_Model):
    """A change the applicant names to explain a lower footprint, with the kg CO2e per declared unit it saves."""

    description: str = Field(min_length=1)
    reduction_kgco2e: float = Field(ge=0)


class OtherBom(_Model):
    """Another applicant's BOM, as line signatures (`bom_signature`), to find copied BOMs."""

    organisation_id: str
    product_id: str
    reference: str = Field(description="where it is: footprint id, file name")
    signature: list[str]


# --- outputs --------------------------------------------------------------------------------


class Finding(_Model):
    check: Check
    severity: Severity
    summary: str
    evidence: dict[str, str] = Field(default_factory=dict, description="the numbers behind the finding, as text")
    threshold: str | None = None
    source: list[str] = Field(default_factory=list, description="threshold provenance: path, date, source or proposal")


class ScreeningReport(_Model):
    product_id: str
    on: date
    thresholds_sha256: str
    findings: list[Finding]
    risk_score: int = Field(description="sum of the findings' severity points, capped (docs/screening.md)")
    risk_level: Literal["none", "low", "medium", "high"]

    def above(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[severity]]


# --- thresholds -----------------------------------------------------------------------------


def thresholds_path() -> Path:
    from lcidb.home import shipped_data_dir

    return shipped_data_dir() / "screening" / "thresholds.yaml"


class Thresholds:
    """data/screening/thresholds.yaml resolved on a date: `get("peers.min_peers")` and `cite(path)`."""

    def __init__(self, path: Path, on: date):
        raw = load_yaml_strict(path)
        if not isinstance(raw, dict) or "thresholds" not in raw:
            raise RuleSetInvalid(f"{path}: top level needs 'thresholds'")
        self.path, self.on = path, on
        self.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        self._values: dict[str, Any] = {}
        self._provenance: dict[str, Provenance] = {}
        self._walk(raw["thresholds"], "")

    def _walk(self, node: Any, where: str) -> None:
        if _is_leaf(node):
            entries = [e for e in _parse_leaf(node, f"{self.path}: {where}") if e.since <= self.on]
            if not entries:
                raise InputInvalid(f"{self.path}: {where} has no value on or before {self.on.isoformat()}")
            self._values[where] = entries[-1].value
            self._provenance[where] = Provenance(where, entries[-1].since, entries[-1].source, entries[-1].proposal)
        elif isinstance(node, dict):
            for key, child in node.items():
                self._walk(child, f"{where}.{key}" if where else str(key))
        else:
            raise RuleSetInvalid(f"{self.path}: {where}: bare value {node!r}; every threshold must be dated")

    def get(self, path: str) -> Any:
        return self._values[path]

    def number(self, path: str) -> float:
        return float(self.decimal(path))

    def decimal(self, path: str) -> Decimal:
        return Decimal(str(self._values[path]))

    def cite(self, *paths: str) -> list[str]:
        return [self._provenance[p].cite() for p in paths]


@lru_cache(maxsize=8)
def load_thresholds(on: date, path: Path | None = None) -> Thresholds:
    return Thresholds(path or thresholds_path(), on)


# --- helpers --------------------------------------------------------------------------------


def _leaves(lines: Iterable[LineContribution]) -> Iterable[LineContribution]:
    for line in lines:
        if line.children:
            yield from _leaves(line.children)
        else:
            yield line


def _kg_per_unit(unit: str) -> float | None:
    from lcidb.errors import LcidbError
    from lcidb.units import conversion_factor

    try:
        return conversion_factor(unit, "kg")
    except (LcidbError, ValueError):
        return None


def _pct(value: float | Decimal) -> str:
    return f"{float(value) * 100:.1f} %"


def _d(value: float) -> Decimal:
    """A float as the decimal it prints as, so a gap of 1.10 + 0.05 - 1.0 kg is 0.15, not 0.15000000000000013:
    thresholds are compared in Decimal, inclusive, like the rule sets'."""
    return Decimal(repr(float(value)))


def _num(value: float) -> str:
    return f"{value:.6g}"


def _shares_of_pcf(fp: FootprintResult) -> float:
    return fp.total_kgco2e if fp.total_kgco2e else 1.0


def bom_signature(fp: FootprintResult) -> list[str]:
    """One text per leaf line: what it links to and how much, without names or ids (a copier renames those).

    factor lines: factor id, amount per declared unit (6 significant figures), unit, stage; supplier
    lines also their kg CO2e per unit; transport lines their activity and t.km. Sorted."""
    out = []
    for line in _leaves(fp.lines):
        amount = _num(line.amount_per_declared_unit)
        if line.source == "supplier_pcf":
            per_unit = line.kgco2e / line.amount_per_declared_unit if line.amount_per_declared_unit else 0.0
            out.append(f"supplier|{amount} {line.unit}|{_num(per_unit)}|{line.stage}")
        else:
            out.append(f"{line.source}|{line.factor_id}|{amount} {line.unit}|{line.stage}")
    return sorted(out)


# --- the checks -----------------------------------------------------------------------------


def check_mass_balance(fp: FootprintResult, t: Thresholds) -> Finding:
    """Material in minus stated losses vs the declared product mass (per declared unit).

    Material in: leaf lines in `material_stages` whose unit is a mass, not credits. Stated losses:
    credit lines with a mass unit (scrap sold) and waste-treatment lines (factor category
    end_of_life) outside the end-of-life stage (production waste). Gap = (in - losses - product) /
    product: positive = unstated loss, negative = product heavier than its materials."""
    cite = t.cite("mass_balance.tolerance", "mass_balance.high")
    product_kg = fp.mass_kg
    if product_kg is None:
        factor = _kg_per_unit(fp.declared_unit.unit)
        product_kg = fp.declared_unit.amount * factor if factor else None
    if product_kg is None:
        return Finding(check="mass_balance", severity="info", source=cite,
                       summary="no product mass declared (product.mass_kg): mass balance not checked")
    stages = set(t.get("mass_balance.material_stages"))
    end_of_life_factors = {f.id for f in fp.factors if f.category == "end_of_life"}
    material = losses = Decimal(0)
    unknown_mass: list[str] = []
    for line in _leaves(fp.lines):
        per_kg = _kg_per_unit(line.unit)
        amount_kg = None if per_kg is None else _d(line.amount_per_declared_unit) * _d(per_kg)
        if line.credit:
            if amount_kg is not None:
                losses += abs(amount_kg)
            continue
        if line.factor_id in end_of_life_factors and line.stage != "end_of_life":
            if amount_kg is not None:
                losses += amount_kg
            continue
        if line.stage in stages and line.source != "transport":
            if amount_kg is None:
                unknown_mass.append(line.line_id)
            else:
                material += amount_kg
    product = _d(product_kg)
    gap = (material - losses - product) / product
    tolerance, high = t.decimal("mass_balance.tolerance"), t.decimal("mass_balance.high")
    evidence = {"product_kg": _num(float(product)), "material_in_kg": _num(float(material)),
                "stated_losses_kg": _num(float(losses)), "gap_kg": _num(float(material - losses - product)),
                "gap_share": _pct(gap)}
    if unknown_mass:
        evidence["lines_without_mass"] = ", ".join(unknown_mass)
    if abs(gap) <= tolerance:
        severity: Severity = "info"
    elif gap < 0 and unknown_mass:
        severity = "low"  # lines counted in pieces may carry the missing mass
    else:
        severity = "high" if abs(gap) > high else "medium"
    direction = ("material in exceeds product + stated losses (unstated loss)" if gap > 0
                 else "the product is heavier than its materials (missing material?)")
    return Finding(check="mass_balance", severity=severity, evidence=evidence, source=cite,
                   threshold=f"|gap| <= {_pct(tolerance)} info, <= {_pct(high)} medium, above high",
                   summary=f"mass balance {_pct(gap)}: {direction}" if gap else "mass balance closes exactly")


def check_peers(fp: FootprintResult, peers: Sequence[PeerCertificate], t: Thresholds) -> Finding:
    """Where the footprint sits among registry certificates of the same key: percentile (mid-rank) and robust z."""
    cite = t.cite("peers.min_peers", "peers.mad_scale", "peers.robust_z_high", "peers.robust_z_medium",
                  "peers.percentile_medium")
    values = [p.total_kgco2e for p in peers if p.product_id is None or p.product_id != fp.product_id]
    n, x = len(values), fp.total_kgco2e
    minimum = int(t.number("peers.min_peers"))
    if n < minimum:
        return Finding(check="peer_comparison", severity="info", source=cite, evidence={"peers": str(n)},
                       summary=f"{n} peer certificate(s) of the same product rule and declared unit; "
                               f"{minimum} needed to compare")
    below = sum(v < x for v in values)
    equal = sum(v == x for v in values)
    percentile = 100.0 * (below + 0.5 * equal) / n
    mid = median(values)
    mad = median(abs(v - mid) for v in values)
    scale = t.number("peers.mad_scale") * mad
    robust_z = (x - mid) / scale if scale > 0 else (0.0 if x == mid else math.copysign(math.inf, x - mid))
    z_high, z_medium = t.number("peers.robust_z_high"), t.number("peers.robust_z_medium")
    if robust_z <= -z_high:
        severity: Severity = "high"
    elif robust_z <= -z_medium or percentile <= t.number("peers.percentile_medium"):
        severity = "medium"
    elif robust_z >= z_high:
        severity = "low"  # far above its peers: not an understatement, but a unit or boundary slip?
    else:
        severity = "info"
    return Finding(
        check="peer_comparison", severity=severity, source=cite,
        evidence={"peers": str(n), "percentile": f"{percentile:.1f}", "median_kgco2e": _num(mid),
                  "mad_kgco2e": _num(mad), "robust_z": "inf" if math.isinf(robust_z) else f"{robust_z:.2f}",
                  "value_kgco2e": _num(x), "min_kgco2e": _num(min(values)), "max_kgco2e": _num(max(values))},
        threshold=f"robust z <= -{_num(z_high)} high; <= -{_num(z_medium)} or percentile <= "
                  f"{_num(t.number('peers.percentile_medium'))} medium",
        summary=f"percentile {percentile:.1f} among {n} peers; {'inf' if math.isinf(robust_z) else f'{robust_z:.2f}'} "
                f"robust units from the median {_num(mid)} kg CO2e",
    )


def check_proxies(fp: FootprintResult, t: Thresholds) -> Finding:
    keywords = [str(k).lower() for k in t.get("factors.proxy_keywords")]
    hits = [line for line in _leaves(fp.lines) if any(k in line.name.lower() for k in keywords)]
    share = sum((abs(_d(line.kgco2e)) for line in hits), Decimal(0)) / abs(_d(_shares_of_pcf(fp)))
    limit = t.decimal("factors.proxy_share_medium")
    return Finding(
        check="proxy_factors", severity="medium" if share >= limit else "info",
        summary=f"{len(hits)} line(s) on proxy data, {_pct(share)} of the PCF" if hits else "no proxy data named",
        evidence={"lines": ", ".join(h.line_id for h in hits), "share": _pct(share)} if hits else {},
        threshold=f"share >= {_pct(limit)} medium", source=t.cite("factors.proxy_keywords", "factors.proxy_share_medium"))


def check_unverified_factors(fp: FootprintResult, t: Thresholds) -> Finding:
    unverified = [f.id for f in fp.factors if f.status == "unverified"]
    limit = t.decimal("factors.unverified_share_medium")
    return Finding(
        check="unverified_factors", severity="medium" if _d(fp.unverified_share) >= limit else "info",
        summary=f"{_pct(fp.unverified_share)} of the PCF occurs in unverified factors"
                + (f" ({', '.join(unverified)})" if unverified else ""),
        evidence={"unverified_share": _pct(fp.unverified_share), "factors": ", ".join(unverified)},
        threshold=f"share >= {_pct(limit)} medium", source=t.cite("factors.unverified_share_medium"))


def check_outdated_factors(fp: FootprintResult, t: Thresholds, editions: DatasetEditions | None, on: date) -> Finding:
    """Superseded editions (a newer edition of the dataset exists) are `medium`; old latest editions `info`."""
    editions = editions or FootprintOwnEditions(fp)
    total = abs(_shares_of_pcf(fp))
    superseded, old = [], []
    max_age = int(t.number("factors.old_factor_years"))
    for f in fp.factors:
        latest = editions.latest_year(dataset_key(f), on)
        if latest is not None and f.year < latest:
            superseded.append((f, latest))
        elif fp.reference_period.end.year - f.year > max_age:
            old.append(f)
    cite = t.cite("factors.old_factor_years")
    if superseded:
        share = sum(abs(f.kgco2e) for f, _ in superseded) / total
        return Finding(check="outdated_factors", severity="medium", source=cite,
                       summary=f"{len(superseded)} factor(s) from a superseded edition, {_pct(share)} of the PCF",
                       evidence={"factors": ", ".join(f"{f.id} ({f.year}; latest {latest})" for f, latest in superseded),
                                 "share": _pct(share)})
    if old:
        share = sum(abs(f.kgco2e) for f in old) / total
        return Finding(check="outdated_factors", severity="info", source=cite,
                       summary=f"{len(old)} factor(s) older than {max_age} years but still the latest edition, "
                               f"{_pct(share)} of the PCF",
                       evidence={"factors": ", ".join(f"{f.id} ({f.year})" for f in old), "share": _pct(share)})
    return Finding(check="outdated_factors", severity="info", source=cite, summary="every factor is its dataset's latest edition")


def check_regional_grid(fp: FootprintResult, t: Thresholds) -> Finding:
    """Production electricity from a grid other than the site's region (e.g. national CN for a CN-GD site)."""
    stages = set(t.get("factors.production_stages_for_grid"))
    electricity = {f.id: f for f in fp.factors if f.category.startswith("electricity")}
    mismatched = []
    for line in _leaves(fp.lines):
        factor = electricity.get(line.factor_id or "")
        if factor is not None and line.stage in stages and factor.geography != fp.site_region:
            mismatched.append((line, factor))
    if not mismatched:
        return Finding(check="regional_grid", severity="info", source=t.cite("factors.production_stages_for_grid"),
                       summary=f"production electricity on the site's grid ({fp.site_region})")
    share = sum(abs(line.kgco2e) for line, _ in mismatched) / abs(_shares_of_pcf(fp))
    return Finding(
        check="regional_grid", severity="medium", source=t.cite("factors.production_stages_for_grid"),
        summary=f"site in {fp.site_region}, production electricity from another grid: "
                + ", ".join(f"{f.id} ({f.geography})" for _, f in mismatched),
        evidence={"lines": ", ".join(line.line_id for line, _ in mismatched), "share": _pct(share),
                  "site_region": fp.site_region})


def check_use_phase(fp: FootprintResult, t: Thresholds) -> Finding:
    share = _d(fp.by_stage.get("use", 0.0)) / _d(_shares_of_pcf(fp))
    limit = t.decimal("factors.use_phase_share_low")
    return Finding(
        check="use_phase", severity="low" if share >= limit else "info",
        summary=(f"the use phase is {_pct(share)} of the PCF: lifetime, duty cycle and the use-market grid decide it"
                 if share >= limit else f"use phase {_pct(share)} of the PCF"),
        evidence={"use_share": _pct(share)}, threshold=f"share >= {_pct(limit)} low",
        source=t.cite("factors.use_phase_share_low"))


def check_supplier_verification(fp: FootprintResult, bom: Mapping[str, Any] | None, t: Thresholds) -> Finding:
    cite = t.cite("factors.supplier_unverified_share_medium")
    supplier = {line.line_id: line for line in _leaves(fp.lines) if line.source == "supplier_pcf"}
    if not supplier:
        return Finding(check="supplier_verification", severity="info", source=cite, summary="no supplier PCFs")
    total = abs(_shares_of_pcf(fp))
    if bom is None:
        listed_share = sum(abs(line.kgco2e) for line in supplier.values()) / total
        return Finding(check="supplier_verification", severity="info", source=cite,
                       summary=f"{len(supplier)} supplier PCF(s), {_pct(listed_share)} of the PCF; their verification status "
                               "is in the BOM, which was not given", evidence={"lines": ", ".join(supplier)})
    verified = {str(line.get("line_id")): bool((line.get("supplier_pcf") or {}).get("verified", False))
                for line in bom.get("lines", []) if isinstance(line, Mapping) and line.get("supplier_pcf")}
    unverified = [line for lid, line in supplier.items() if not verified.get(lid, False)]
    share = sum((abs(_d(line.kgco2e)) for line in unverified), Decimal(0)) / abs(_d(total))
    limit = t.decimal("factors.supplier_unverified_share_medium")
    return Finding(
        check="supplier_verification", severity="medium" if share >= limit else "info", source=cite,
        summary=(f"{len(unverified)} supplier PCF(s) without verification, {_pct(share)} of the PCF" if unverified
                 else f"all {len(supplier)} supplier PCF(s) verified"),
        evidence={"lines": ", ".join(line.line_id for line in unverified), "share": _pct(share)} if unverified else {},
        threshold=f"share >= {_pct(limit)} medium")


def check_history(fp: FootprintResult, previous: PreviousCertificate | None, evidence: Mapping[str, Any] | None,
                  changes: Sequence[StatedChange], t: Thresholds) -> Finding:
    """drop = (previous - current) / previous; explained = re-baselining (previous certified - previous
    re-computed on the current data, from the evidence) + stated changes; unexplained = drop - explained."""
    cite = t.cite("history.unexplained_drop_medium", "history.unexplained_drop_high")
    if previous is None:
        return Finding(check="history_drop", severity="info", source=cite, summary="no previous certificate of this product")
    before, now = previous.total_kgco2e, fp.total_kgco2e
    if before <= 0:
        return Finding(check="history_drop", severity="info", source=cite,
                       summary=f"previous certificate {previous.certificate_number} is not positive: no drop computed")
    before_d, now_d = _d(before), _d(now)
    drop = (before_d - now_d) / before_d
    rebaselined: Decimal | None = None
    prev_ev = (evidence or {}).get("previous_certificate") if evidence else None
    if isinstance(prev_ev, Mapping) and prev_ev.get("previous_footprint_rebaselined") is not None:
        rebaselined = Decimal(str(prev_ev["previous_footprint_rebaselined"]))
    stated = sum((_d(c.reduction_kgco2e) for c in changes), Decimal(0))
    explained_kg = (before_d - rebaselined if rebaselined is not None else Decimal(0)) + stated
    unexplained = drop - explained_kg / before_d
    medium, high = t.decimal("history.unexplained_drop_medium"), t.decimal("history.unexplained_drop_high")
    severity: Severity = "high" if unexplained >= high else "medium" if unexplained >= medium else "info"
    return Finding(
        check="history_drop", severity=severity, source=cite,
        summary=(f"{_pct(drop)} below previous certificate {previous.certificate_number}; "
                 f"{_pct(unexplained)} not explained by re-baselining or stated changes" if drop > 0
                 else f"{_pct(-drop)} above previous certificate {previous.certificate_number}"),
        evidence={"previous_kgco2e": _num(before), "current_kgco2e": _num(now), "drop": _pct(drop),
                  "rebaselined_previous_kgco2e": format(rebaselined, "f") if rebaselined is not None else "not given",
                  "stated_changes_kgco2e": format(stated, "f"),
                  "unexplained": _pct(unexplained)},
        threshold=f"unexplained >= {_pct(medium)} medium, >= {_pct(high)} high")


def check_copied_bom(fp: FootprintResult, applicant: str | None, others: Sequence[OtherBom], t: Thresholds) -> Finding:
    cite = t.cite("history.copy_similarity_medium", "history.copy_min_lines")
    mine = bom_signature(fp)
    minimum = int(t.number("history.copy_min_lines"))
    if len(mine) < minimum:
        return Finding(check="copied_bom", severity="info", source=cite,
                       summary=f"BOM of {len(mine)} line(s): too short to compare (< {minimum})")
    best: tuple[float, OtherBom] | None = None
    mine_set = set(mine)
    for other in others:
        if applicant is not None and other.organisation_id == applicant:
            continue  # an applicant's own products may share a BOM
        theirs = set(other.signature)
        if len(other.signature) < minimum or not theirs:
            continue
        similarity = 1.0 if sorted(other.signature) == mine else len(mine_set & theirs) / len(mine_set | theirs)
        if best is None or similarity > best[0]:
            best = (similarity, other)
    limit = t.number("history.copy_similarity_medium")
    if best is None or best[0] < limit:
        return Finding(check="copied_bom", severity="info", source=cite,
                       summary=f"no other applicant's BOM at or above {limit:.2f} similarity among {len(others)}",
                       evidence={"closest_similarity": f"{best[0]:.2f}"} if best else {})
    similarity, other = best
    return Finding(
        check="copied_bom", severity="high" if similarity == 1.0 else "medium", source=cite,
        summary=(f"BOM identical to another applicant's ({other.reference})" if similarity == 1.0
                 else f"BOM {similarity:.2f} similar to another applicant's ({other.reference})"),
        evidence={"other_organisation": other.organisation_id, "other_product": other.product_id,
                  "other_reference": other.reference, "similarity": f"{similarity:.2f}", "lines": str(len(mine))},
        threshold=f"identical high, similarity >= {limit:.2f} medium")


# --- the report and its score ---------------------------------------------------------------


def risk_of(findings: Sequence[Finding], t: Thresholds) -> tuple[int, Literal["none", "low", "medium", "high"]]:
    """Score = sum of severity points (info 0, low 5, medium 15, high 40), capped at 100; level by bounds."""
    points = {k: int(Decimal(str(v))) for k, v in t.get("risk.severity_points").items()}
    score = min(int(t.number("risk.score_max")), sum(points[f.severity] for f in findings))
    bounds = {k: int(Decimal(str(v))) for k, v in t.get("risk.level_bounds").items()}
    level: Literal["none", "low", "medium", "high"] = (
        "high" if score >= bounds["high"] else "medium" if score >= bounds["medium"]
        else "low" if score >= bounds["low"] else "none")
    return score, level


def screen(
    footprint: FootprintResult | Mapping[str, Any],
    *,
    on: date,
    bom: Mapping[str, Any] | None = None,
    evidence: Mapping[str, Any] | None = None,
    peers: Sequence[PeerCertificate] = (),
    previous: PreviousCertificate | None = None,
    stated_changes: Sequence[StatedChange] = (),
    applicant: str | None = None,
    other_boms: Sequence[OtherBom] = (),
    editions: DatasetEditions | None = None,
    thresholds: Thresholds | None = None,
) -> ScreeningReport:
    """Every check on one application (or footprint), in a fixed order, with the risk score."""
    fp = footprint if isinstance(footprint, FootprintResult) else footprint_from_json(footprint)
    t = thresholds or load_thresholds(on)
    if previous is None:
        previous = _previous_from_evidence(evidence)
    findings = [
        check_mass_balance(fp, t),
        check_peers(fp, peers, t),
        check_proxies(fp, t),
        check_unverified_factors(fp, t),
        check_outdated_factors(fp, t, editions, on),
        check_regional_grid(fp, t),
        check_use_phase(fp, t),
        check_supplier_verification(fp, bom, t),
        check_history(fp, previous, evidence, stated_changes, t),
        check_copied_bom(fp, applicant, other_boms, t),
    ]
    score, level = risk_of(findings, t)
    return ScreeningReport(product_id=fp.product_id, on=on, thresholds_sha256=t.sha256, findings=findings,
                           risk_score=score, risk_level=level)


def _previous_from_evidence(evidence: Mapping[str, Any] | None) -> PreviousCertificate | None:
    """The previous certificate the evidence names (for T2), when the registry knows none."""
    named = (evidence or {}).get("previous_certificate")
    if not isinstance(named, Mapping) or named.get("certified_kgco2e") is None:
        return None
    try:
        return PreviousCertificate(certificate_number=str(named.get("certificate_id", "named in the evidence")),
                                   total_kgco2e=float(Decimal(str(named["certified_kgco2e"]))))
    except (ArithmeticError, ValueError) as exc:
        raise InputInvalid(f"evidence: field 'previous_certificate.certified_kgco2e': {named['certified_kgco2e']!r} "
                           f"is not a number ({exc})") from None


def footprint_from_json(data: Mapping[str, Any]) -> FootprintResult:
    """A footprint result from JSON; InputInvalid names the first bad field."""
    from pydantic import ValidationError

    try:
        return FootprintResult.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputInvalid(f"footprint: field {where!r}: {first['msg']} ({exc.error_count()} error(s))") from None


# --- surveillance sampling ------------------------------------------------------------------


class Candidate(_Model):
    """A certificate that may be drawn, with its risk score and the findings behind it."""

    certificate_number: str
    risk_score: int = Field(ge=0)
    reasons: list[str] = Field(default_factory=list)


class Pick(_Model):
    certificate_number: str
    rank: int
    risk_score: int
    weight: float
    inclusion_key: float = Field(description="u^(1/weight); the n largest are drawn")
    reason: str


def sample(candidates: Sequence[Candidate], n: int, seed: int, *, base_weight: float) -> list[Pick]:
    """Draw `n` certificates without replacement, each with probability growing with base_weight + risk score.

    Efraimidis & Spirakis (2006), "Weighted random sampling with a reservoir", Inf. Process. Lett.
    97(5): key_i = u_i^(1/w_i) with u_i uniform on (0, 1); the n largest keys are the sample. The
    u_i come from `random.Random(seed)` in certificate-number order, so the same candidates and seed
    give the same picks on any machine."""
    if n < 0:
        raise InputInvalid(f"sample size {n} is negative")
    rng = random.Random(seed)
    keyed = []
    for c in sorted(candidates, key=lambda c: c.certificate_number):
        weight = base_weight + c.risk_score
        u = rng.random() or 5e-324  # random() is in [0, 1): 0 would give every weight the same key
        keyed.append((u ** (1.0 / weight), weight, c))
    keyed.sort(key=lambda k: (-k[0], k[2].certificate_number))
    picks = []
    for rank, (key, weight, c) in enumerate(keyed[:n], start=1):
        why = "; ".join(c.reasons) if c.reasons else "no findings above info"
        picks.append(Pick(certificate_number=c.certificate_number, rank=rank, risk_score=c.risk_score, weight=weight,
                          inclusion_key=key,
                          reason=f"risk {c.risk_score} -> weight {weight:g} ({why})"))
    return picks


def reasons_of(report: ScreeningReport) -> list[str]:
    """The findings above info, worst first, as short reasons for a sampling pick."""
    above = sorted(report.above("info"), key=lambda f: -SEVERITY_ORDER[f.severity])
    return [f"{f.severity} {f.check}: {f.summary}" for f in above]


__all__ = [
    "Candidate", "Finding", "OtherBom", "PeerCertificate", "Pick", "PreviousCertificate", "ScreeningReport",
    "StatedChange", "Thresholds", "bom_signature", "footprint_from_json", "load_thresholds", "reasons_of", "risk_of", "sample", "screen",
]
