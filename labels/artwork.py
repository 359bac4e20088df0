"""What the on-pack label shows (labels.md P3), resolved per language from a certificate or a decision.

Pure: reads the rule sets (scheme, tier, grade and boundary names), `data/labels/artwork.yaml`
(captions, print geometry) and `data/labels/unit_names.yaml` (declared-unit names, the same source the
decision's label text uses); draws nothing. The layout lives in
api/documents/label.py, which the CLI, the API and the certificate PDF all call.

Three inputs are understood:

- the service's signed certificate document (`GET /v1/certificates/{n}` gives it as `document`; the
  whole response is accepted too): a certified label with number, issuer and verification URL;
- a scheme certificate as `carbonlabel recognise` reads it (`certificate_id`, ...; docs/labels.md):
  certified, but it carries neither issuer nor verification URL, so the caller must supply both;
- a grading decision (`carbonlabel grade --json`): not a certificate, so a *preview* marked
  "未认证 / 未認證 / not certified", without certificate number, issuer or QR code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from collections.abc import Mapping

from labels.certificate_document import CertificateDocument
from labels.errors import InputInvalid, LabelsError
from labels.numbers import plain, significant
from labels.ruledata import load_rule_set, load_yaml_strict
from labels.text import reduction_parts
from labels.unit_names import unit_name

LANGUAGES = ("zh-Hans", "zh-Hant", "en")


def artwork_data_path() -> Path:
    from lcidb.home import shipped_data_dir

    return shipped_data_dir() / "labels" / "artwork.yaml"


@dataclass(frozen=True)
class PrintGeometry:
    """The printed size of the label in millimetres and the smallest type size used (points)."""

    width_mm: Decimal
    height_mm: Decimal
    qr_mm: Decimal
    min_font_pt: Decimal
    qr_min_module_mm: Decimal


@dataclass(frozen=True)
class ArtworkData:
    captions: dict[str, dict[str, str]]
    geometry: PrintGeometry
    version: str


@lru_cache(maxsize=1)
def artwork_data() -> ArtworkData:
    path = artwork_data_path()
    raw = load_yaml_strict(path)
    try:
        geometry = PrintGeometry(**{k: Decimal(str(v)) for k, v in raw["print"].items()})
        captions = {k: _localised(v, f"{path}: captions.{k}") for k, v in raw["captions"].items()}
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise InputInvalid(f"{path}: malformed artwork data ({exc!r})") from None
    return ArtworkData(captions=captions, geometry=geometry, version=str(raw["version"]))


def _localised(node: Any, where: str) -> dict[str, str]:
    if not isinstance(node, dict) or any(lang not in node for lang in LANGUAGES):
        raise InputInvalid(f"{where}: needs text for each of {', '.join(LANGUAGES)}, got {node!r}")
    return {lang: str(node[lang]) for lang in LANGUAGES}


@dataclass(frozen=True)
class LabelArtwork:
    """Every field the label prints. `preview` labels have no certificate number, issuer or QR code."""

    preview: bool
    scheme: str
    tier: str
    grade: str | None
    title: dict[str, str]  # scheme name · tier name [grade name], per language
    value: str  # the PCF with 3 significant figures (display only)
    total_kgco2e: str  # the certified value as given, unrounded
    per_unit: dict[str, str]  # "每件" / "每件" / "per piece"
    boundary: dict[str, str]
    standard: str  # "GB/T 24067-2024; <product rule id>"
    certificate_number: str | None
    issuer: str | None
    valid_until: date | None
    verification_url: str | None
    captions: dict[str, dict[str, str]]
    geometry: PrintGeometry
    # T2 (labels.md P3 "-x.x % vs 20yy"): the claim and the note that the baseline was re-calculated with
    # current method and data, per language, worded as the decision's label text (labels/text.py)
    reduction: dict[str, str] | None = None
    reduction_note: dict[str, str] | None = None

    def text_lines(self) -> list[str]:
        """All printed text, in reading order (tests and accessibility text use it)."""
        c = self.captions
        lines = [self.title[lang] for lang in LANGUAGES]
        lines.append(f"{self.value} kg CO₂e")
        lines.append(" / ".join(self.per_unit[lang] for lang in LANGUAGES))
        if self.reduction and self.reduction_note:
            lines.append(" / ".join(self.reduction[lang] for lang in LANGUAGES))
            lines.append(" / ".join(self.reduction_note[lang] for lang in LANGUAGES))
        lines.append(" / ".join(self.boundary[lang] for lang in LANGUAGES))
        lines.append(self.standard)
        if self.preview:
            lines.append(" / ".join(c["preview"][lang] for lang in LANGUAGES))
        if self.certificate_number:
            lines.append(f"{_caption(c['certificate_number'])} {self.certificate_number}")
        if self.issuer:
            lines.append(f"{_caption(c['issuer'])} {self.issuer}")
        if self.valid_until:
            lines.append(f"{_caption(c['valid_until'])} {self.valid_until.isoformat()}")
        return lines


def _caption(names: Mapping[str, str]) -> str:
    """'证书编号 / 證書編號 / Certificate No.', or '有效期至 / Valid until' when both Chinese scripts agree."""
    parts = [names["zh-Hans"]] + ([names["zh-Hant"]] if names["zh-Hant"] != names["zh-Hans"] else []) + [names["en"]]
    return " / ".join(parts)


caption_text = _caption


# --- names from the rule sets ----------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    scheme: dict[str, str]
    tiers: dict[str, dict[str, str]]
    grades: dict[str, dict[str, str]]
    boundaries: dict[str, dict[str, str]]


def _names(scheme_ref: str, on: date) -> _Names:
    """Scheme, tier, grade and boundary names of the rule-set version (`scheme@version`, else in force on `on`)."""
    rule_set = load_rule_set(scheme_ref) if "@" in scheme_ref else load_rule_set(scheme_ref, on)
    params, _ = rule_set.params(max(on, rule_set.effective_from))
    label = params.get("label")
    if not isinstance(label, dict) or "tier_names" not in label:
        raise InputInvalid(
            f"scheme {rule_set.scheme!r} ({rule_set.kind}) defines no label: only graded schemes print one; "
            "render the label of the scheme that recognised this certificate"
        )
    return _Names(
        scheme=dict(rule_set.meta["names"]),
        tiers=label["tier_names"],
        grades=label.get("grade_names", {}),
        boundaries=label.get("boundary_names", {}),
    )


_DOCUMENT_LANGUAGES = {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "en": "en"}  # the certificate document's keys


def _names_of_document(document: Mapping[str, Any], issued: date) -> _Names:
    """Names from the rule-set version the certificate records; for a scheme this service has no rule
    set for, the first line of the signed label text in each language (what was signed)."""
    try:
        return _names(str(_get(document, "rule_set_version", "certificate document")), issued)
    except LabelsError as exc:
        signed = document.get("label") or {}
        titles = {lang: str(signed.get(key) or "").split("\n")[0] for lang, key in _DOCUMENT_LANGUAGES.items()}
        if not all(titles.values()):
            raise InputInvalid(f"certificate document: {exc}; and its signed 'label' has no text in "
                               f"each of {', '.join(_DOCUMENT_LANGUAGES.values())}") from None
        tier, grade = str(document.get("tier")), document.get("grade")
        return _Names(scheme=titles, tiers={tier: titles},
                      grades={grade: {lang: "" for lang in LANGUAGES}} if grade else {}, boundaries={})


def _title(names: _Names, tier: str, grade: str | None) -> dict[str, str]:
    if tier not in names.tiers:
        raise InputInvalid(f"tier {tier!r} is not a tier of this scheme (tiers: {', '.join(sorted(names.tiers))})")
    out = {}
    for lang in LANGUAGES:
        scheme_name, tier_name = names.scheme[lang], names.tiers[tier][lang]
        # a scheme whose name already ends with the tier's name ("…碳足迹标识" + "碳足迹标识") prints it once
        text = scheme_name if scheme_name.endswith(tier_name) else f"{scheme_name} · {tier_name}"
        if grade:
            if grade not in names.grades:
                raise InputInvalid(f"grade {grade!r} is not a grade of this scheme (grades: {', '.join(sorted(names.grades))})")
            text += f" {names.grades[grade][lang]}"
        out[lang] = text.strip()
    return out


def _boundary(names: _Names, boundary: str) -> dict[str, str]:
    if boundary in names.boundaries:
        return dict(names.boundaries[boundary])
    return {lang: boundary for lang in LANGUAGES}


def _per_unit(amount: Decimal, unit: str, data: ArtworkData, on: date) -> dict[str, str]:
    """'每件', '每件', 'per piece'; an amount other than 1 is printed: '每 1000 件', 'per 1000 piece'.
    Unit names as on `on` (the certificate's issue or the decision's date), from data/labels/unit_names.yaml."""
    names = unit_name(unit, on)
    per = data.captions["per"]
    count = "" if amount == 1 else plain(amount.normalize())
    out = {}
    for lang in LANGUAGES:
        if lang == "en":
            out[lang] = f"{per[lang]} {count + ' ' if count else ''}{names[lang]}"
        else:
            out[lang] = f"{per[lang]}{' ' + count + ' ' if count else ''}{names[lang]}"
    return out


# --- input readers ----------------------------------------------------------------------------


def _get(data: Mapping[str, Any], path: str, what: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node or node[part] is None:
            raise InputInvalid(f"{what}: field {path!r} is missing")
        node = node[part]
    return node


def _decimal(raw: Any, field: str, what: str) -> Decimal:
    try:
        return Decimal(repr(raw)) if isinstance(raw, float) else Decimal(str(raw))
    except InvalidOperation:
        raise InputInvalid(f"{what}: field {field!r} is not a number: {raw!r}") from None


def _day(raw: Any, field: str, what: str) -> date:
    text = str(raw)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date() if "T" in text else date.fromisoformat(text)
    except ValueError:
        raise InputInvalid(f"{what}: field {field!r} is not a date: {raw!r}") from None


def _reduction(data: Mapping[str, Any], what: str) -> dict[str, dict[str, str]]:
    """T2's claim and re-baselining note per language from the optional `reduction` field (a decision's or a
    certificate document's); {} when there is none."""
    if data.get("reduction") is None:
        return {}
    if not isinstance(data["reduction"], Mapping):
        raise InputInvalid(f"{what}: field 'reduction' must be an object, got {data['reduction']!r}")
    percent = _decimal(_get(data, "reduction.percent", what), "reduction.percent", what)
    year = str(_get(data, "reduction.base_year", what))
    parts = {lang: reduction_parts(plain(percent), year, lang) for lang in LANGUAGES}
    return {"reduction": {lang: p[0] for lang, p in parts.items()},
            "reduction_note": {lang: p[1] for lang, p in parts.items()}}


def _standard(standard: str, product_rule: str | None) -> str:
    return f"{standard}; {product_rule}" if product_rule else standard


def artwork_from_document(document: CertificateDocument | Mapping[str, Any]) -> LabelArtwork:
    """The label of a certificate the service issued (its signed document, typed or as published JSON)."""
    what = "certificate document"
    if isinstance(document, CertificateDocument):
        document = document.wire()  # the signed values, as the label prints them
    data = artwork_data()
    issued = _day(_get(document, "valid_from", what), "valid_from", what)
    names = _names_of_document(document, issued)
    total = _decimal(_get(document, "footprint.total_kgco2e", what), "footprint.total_kgco2e", what)
    tier = str(_get(document, "tier", what))
    grade = document.get("grade")
    return LabelArtwork(
        preview=False,
        scheme=str(_get(document, "scheme", what)),
        tier=tier,
        grade=grade,
        title=_title(names, tier, grade),
        value=significant(total, 3),
        total_kgco2e=plain(total),
        per_unit=_per_unit(_decimal(_get(document, "footprint.declared_unit.amount", what),
                                    "footprint.declared_unit.amount", what),
                           str(_get(document, "footprint.declared_unit.unit", what)), data, issued),
        boundary=_boundary(names, str(_get(document, "footprint.boundary", what))),
        standard=_standard(str(_get(document, "footprint.standard", what)),
                           (document.get("product") or {}).get("product_rule")),
        certificate_number=str(_get(document, "certificate_number", what)),
        issuer=str(_get(document, "issuer", what)),
        valid_until=_day(_get(document, "valid_until", what), "valid_until", what),
        verification_url=str(_get(document, "verification_url", what)),
        captions=data.captions,
        geometry=data.geometry,
        **_reduction(document, what),
    )


def artwork_from_scheme_certificate(
    certificate: Mapping[str, Any], *, issuer: str | None, verification_url: str | None
) -> LabelArtwork:
    """The label of a scheme certificate (the `recognise` format); issuer and verification URL from the caller."""
    what = "certificate"
    missing = [name for name, value in (("issuer", issuer), ("verification URL", verification_url)) if not value]
    if missing:
        raise InputInvalid(
            f"{what} {certificate.get('certificate_id')!r}: a scheme certificate names no {' and no '.join(missing)}, "
            "which the label must print (labels.md P3): give them (CLI: --issuer, --verification-url)"
        )
    data = artwork_data()
    issued = _day(_get(certificate, "issued", what), "issued", what)
    scheme = str(_get(certificate, "scheme", what))
    version = certificate.get("scheme_version")
    names = _names(f"{scheme}@{version}" if version else scheme, issued)
    total = _decimal(_get(certificate, "total_kgco2e", what), "total_kgco2e", what)
    tier = str(_get(certificate, "tier", what))
    grade = certificate.get("grade")
    return LabelArtwork(
        preview=False, scheme=scheme, tier=tier, grade=grade, title=_title(names, tier, grade),
        value=significant(total, 3), total_kgco2e=plain(total),
        per_unit=_per_unit(_decimal(_get(certificate, "declared_unit.amount", what), "declared_unit.amount", what),
                           str(_get(certificate, "declared_unit.unit", what)), data, issued),
        boundary=_boundary(names, str(_get(certificate, "boundary", what))),
        standard=_standard(str(_get(certificate, "standard", what)), (certificate.get("product_rule") or {}).get("id")),
        certificate_number=str(_get(certificate, "certificate_id", what)),
        issuer=issuer, valid_until=_day(_get(certificate, "valid_until", what), "valid_until", what),
        verification_url=verification_url, captions=data.captions, geometry=data.geometry,
    )


def artwork_from_decision(decision: Mapping[str, Any]) -> LabelArtwork:
    """A preview of the label a grading decision would lead to: marked not certified, no number, no QR."""
    what = "decision"
    data = artwork_data()
    tier = decision.get("tier")
    if not tier:
        failed = [r.get("rule_id") for r in decision.get("rules", []) if r.get("status") == "failed"]
        raise InputInvalid(f"{what}: no tier was granted, so there is no label to preview"
                           + (f" (failed rules: {', '.join(map(str, failed))})" if failed else ""))
    version = _get(decision, "rule_set_version", what)
    on = _day(_get(decision, "on", what), "on", what)
    names = _names(f"{_get(version, 'scheme', what)}@{_get(version, 'version', what)}", on)
    values = {r.get("rule_id"): r.get("value") for r in decision.get("rules", [])}
    for rule_id in ("G1.standard", "G2.boundary"):
        if not values.get(rule_id):
            raise InputInvalid(f"{what}: rule {rule_id} has no value; the label needs the footprint's "
                               f"{'standard' if rule_id == 'G1.standard' else 'boundary'}")
    amount_text, _, unit = str(_get(decision, "declared_unit", what)).partition(" ")
    total = _decimal(_get(decision, "total_kgco2e", what), "total_kgco2e", what)
    grade = decision.get("grade") if tier == "T3" else None
    granted = [g for g in decision.get("granted", []) if g.get("tier") == tier]
    return LabelArtwork(
        preview=True, scheme=str(_get(version, "scheme", what)), tier=str(tier), grade=grade,
        title=_title(names, str(tier), grade), value=significant(total, 3), total_kgco2e=plain(total),
        per_unit=_per_unit(_decimal(amount_text, "declared_unit", what), unit, data, on),
        boundary=_boundary(names, str(values["G2.boundary"])),
        standard=_standard(str(values["G1.standard"]), values.get("G1.product_rule_match")),
        certificate_number=None, issuer=None,
        valid_until=_day(granted[-1]["valid_until"], "granted.valid_until", what) if granted else None,
        verification_url=None, captions=data.captions, geometry=data.geometry, **_reduction(decision, what),
    )


def artwork_for(
    data: Mapping[str, Any], *, issuer: str | None = None, verification_url: str | None = None
) -> LabelArtwork:
    """Recognise the input (certificate document, API certificate response, scheme certificate, decision)."""
    if not isinstance(data, Mapping):
        raise InputInvalid(f"label input: expected a JSON object, got {type(data).__name__}")
    if isinstance(data.get("document"), Mapping) and "certificate_number" in data["document"]:
        return artwork_from_document(data["document"])  # GET /v1/certificates/{n}
    if "certificate_number" in data and "verification_url" in data:
        return artwork_from_document(data)
    if "certificate_id" in data:
        return artwork_from_scheme_certificate(data, issuer=issuer, verification_url=verification_url)
    if "gate_passed" in data and "rules" in data:
        return artwork_from_decision(data)
    raise InputInvalid(
        "label input: not a certificate document (certificate_number, verification_url), a scheme certificate "
        "(certificate_id) or a grading decision (rules, gate_passed); top-level fields: "
        + ", ".join(sorted(map(str, data))[:12])
    )


__all__ = [
    "ArtworkData", "LabelArtwork", "PrintGeometry", "artwork_data", "artwork_for",
    "artwork_from_decision", "artwork_from_document", "artwork_from_scheme_certificate", "caption_text",
]
