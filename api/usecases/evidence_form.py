"""The evidence the label rules read, as a form an export manager fills in (one field per item),
and back: the web page's "Apply for a label" form builds the same evidence document the API
takes (`labels.inputs.Evidence`), through `evidence_from_form` only.

Form fields are named by their path in the document (`verifier.accreditation_valid_until`,
`offsets.retired.0.serial`), so a validation error of the document names the form field it came
from. Errors carry a code (required, date, number, ...) and the page words them in its language.
Evidence items the form does not show (T2's previous certificate, T4's neutrality claim, ...) are
carried unchanged (`kept`), never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.storage.models import Application, Footprint, Organisation, Product
from labels import list_schemes, load_rule_set
from labels.inputs import Evidence

# The product rule kinds and label uses the evidence model accepts (labels.inputs), in the order a
# form offers them; the page gives each a human label.
RULE_KINDS = ("national", "gba_group", "gd_group", "hk_pcr", "pcr")
LABEL_USES = ("b2b", "b2c")
# repeatable rows: the list's path -> the columns of one row
ROW_LISTS: dict[str, tuple[str, ...]] = {
    "offsets.retired": ("registry", "serial", "tco2e", "retired_on"),
    "electricity_instruments": ("type", "mwh", "vintage", "serial", "project_id", "ccer_project_id"),
}
MAX_ROWS = 50  # per list: a form is typed by a person; more than this belongs in the JSON box
MAX_VALUE = 2000  # characters of one form value
# single-value fields, as the document's paths; booleans are yes/no choices
TEXT_FIELDS = (
    "product_id", "declared_unit.unit", "product_rule.id", "verifier.name", "verifier.accreditation_body",
    "verifier.accreditation_standard", "verifier.statement_id", "applicant.legal_entity_name",
    "applicant.registration_id", "applicant.reduction_plan.reference", "electricity_supply_area",
)
CHOICE_FIELDS = {"product_rule.kind": RULE_KINDS, "label_use": LABEL_USES}
DATE_FIELDS = (
    "reference_period.start", "reference_period.end", "verifier.accreditation_valid_until",
    "applicant.data_procedure_since", "applicant.reduction_plan.adopted_on",
)
NUMBER_FIELDS = ("declared_unit.amount",)  # a JSON number in the document (footprint.values.DeclaredUnit)
YES_NO_FIELDS = ("verifier.cnca_approved", "verifier.on_site_inspection", "offsets.netted_in_footprint")
# row columns that are dates, decimal strings (labels.inputs: "decimal strings preferred") or integers
ROW_DATES = {"retired_on"}
ROW_DECIMALS = {"tco2e", "mwh"}
ROW_INTEGERS = {"vintage"}
# the top-level items the form shows; any other item of a pre-filled document is kept as it is
FORM_ITEMS = {"product_id", "declared_unit", "product_rule", "label_use", "reference_period", "verifier",
              "offsets", "applicant", "electricity_supply_area", "electricity_instruments", "own_processes"}


@dataclass(frozen=True)
class FieldError:
    field: str  # the form field's name (= its path in the document), e.g. "verifier.name"
    code: str  # required | date | number | integer | positive | past | order | choice | too_long | invalid
    detail: str = ""  # the model's own (English) words, for `invalid`


@dataclass
class EvidenceForm:
    """What the form shows: one string per field, the rows of each list, the ticked own processes,
    and the items it carries without showing them."""

    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    own_processes: list[str] = field(default_factory=list)
    kept: dict[str, Any] = field(default_factory=dict)
    row_index: dict[str, list[int]] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(frozen=True)
class FormOutcome:
    evidence: dict[str, Any]
    errors: list[FieldError]
    form: EvidenceForm

    def errors_by_field(self) -> dict[str, FieldError]:
        return {e.field: e for e in self.errors}


@dataclass(frozen=True)
class FormChoices:
    """Suggestions the rule sets in force give (accreditation bodies and standards, instrument types)
    and the electricity supply areas of the footprint's site region."""

    accreditation_bodies: list[str]
    accreditation_standards: list[str]
    instrument_types: list[str]
    supply_areas: list[str]
    lines: list[tuple[str, str, int]]  # (line id, name, depth) of the footprint's lines: the own processes to tick


def _dig(tree: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def choices(footprint: Footprint | None, on: date) -> FormChoices:
    """What the rule sets in force on `on` accept, gathered over the graded schemes (the page does not
    know the scheme before it is posted), and the footprint's top-level lines."""
    bodies: set[str] = set()
    standards: set[str] = set()
    instruments: set[str] = set()
    areas: set[str] = set()
    result = (footprint.result or {}) if footprint is not None else {}
    region = result.get("site_region")
    for info in list_schemes(on):
        if info.kind != "graded" or info.version is None:
            continue
        tree, _ = load_rule_set(info.id, on).params(on)
        bodies.update(str(b) for b in _dig(tree, "gate.verification.accreditation_bodies") or [])
        standards.update(str(s) for s in _dig(tree, "gate.verification.accreditation_standards") or [])
        instruments.update(str(t) for t in _dig(tree, "gate.electricity.accepted_instruments") or [])
        by_area = _dig(tree, "gate.data_age.grid_defaults_by_supply_area") or {}
        areas.update(str(a) for a in (by_area.get(region) or {}))
    return FormChoices(sorted(bodies), sorted(standards), sorted(instruments), sorted(areas),
                       list(_lines(result.get("lines") or [])))


def _lines(lines: list[Any], depth: int = 0) -> Iterator[tuple[str, str, int]]:
    """(line id, name, depth) of every line, parents before their children: the rules accept any of
    them as an own process (a parent stands for all its inputs)."""
    for line in lines:
        if isinstance(line, dict) and line.get("line_id"):
            yield str(line["line_id"]), str(line.get("name") or line["line_id"]), depth
            yield from _lines(line.get("children") or [], depth + 1)


# --- document -> form --------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # the footprint stores 1 piece as 1.0; a person types 1
    return str(value)


def form_from_evidence(evidence: Mapping[str, Any]) -> EvidenceForm:
    """The form showing an evidence document (a pre-fill, or the document a JSON box held)."""
    form = EvidenceForm()
    for name in (*TEXT_FIELDS, *CHOICE_FIELDS, *DATE_FIELDS, *NUMBER_FIELDS, *YES_NO_FIELDS):
        value = _dig(dict(evidence), name)
        if value is not None and not isinstance(value, (dict, list)):
            form.values[name] = _text(value)
    for path, columns in ROW_LISTS.items():
        rows = _dig(dict(evidence), path)
        form.rows[path] = [{c: _text(row.get(c)) for c in columns} for row in rows if isinstance(row, dict)] \
            if isinstance(rows, list) else []
    own = evidence.get("own_processes")
    form.own_processes = [str(x) for x in own] if isinstance(own, list) else []
    form.kept = {k: v for k, v in evidence.items() if k not in FORM_ITEMS}
    return form


def last_evidence(session: Session, product: Product) -> dict[str, Any] | None:
    """The evidence of the product's most recent application, if it has one."""
    row = session.scalar(select(Application).where(Application.product_id == product.id)
                         .order_by(Application.created_at.desc(), Application.id.desc()).limit(1))
    return dict(row.evidence) if row is not None and isinstance(row.evidence, dict) and row.evidence else None


def prefill(session: Session, product: Product, footprint: Footprint | None) -> EvidenceForm:
    """The form as the service can fill it: the last application of the product (verifier, applicant,
    offsets ...; without one, the organisation's name as the legal entity's), with what the footprint itself says (product id, declared unit, product rule,
    reference period) taking precedence, since the rules compare those with the footprint."""
    evidence: dict[str, Any] = last_evidence(session, product) or {"label_use": "b2b"}
    if not isinstance(evidence.get("applicant"), dict):
        # the organisation's name in this service is the best guess of the legal entity's; the page asks to check it
        organisation = session.get(Organisation, product.organisation_id)
        if organisation is not None:
            evidence["applicant"] = {"legal_entity_name": organisation.name}
    result = (footprint.result or {}) if footprint is not None else {}
    for key in ("product_id", "declared_unit", "reference_period"):
        if result.get(key) is not None:
            evidence[key] = result[key]
    if result.get("product_rule"):
        kind = (evidence.get("product_rule") or {}).get("kind") if isinstance(evidence.get("product_rule"), dict) else None
        evidence["product_rule"] = {"id": result["product_rule"], **({"kind": kind} if kind else {})}
    known = {line_id for line_id, _, _ in _lines(result.get("lines") or [])}
    if isinstance(evidence.get("own_processes"), list):  # lines of another footprint version are not offered
        evidence["own_processes"] = [x for x in evidence["own_processes"] if x in known]
    return form_from_evidence(evidence)


# --- form -> document --------------------------------------------------------------------------

def _set(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


MAX_EXPONENT = 30  # "1e999999999" is a number to Decimal, and a 400 MB integer to int(): refused as unreadable


def _readable(text: str) -> Decimal:
    value = Decimal(text)
    if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
        raise InvalidOperation(text)
    return value


def _number(text: str) -> int | float:
    """A JSON number as the JSON would hold it: an integer when the typed value is whole."""
    value = _readable(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal_text(text: str) -> str:
    """A decimal as the text typed (labels.inputs: decimal strings preferred, read exactly)."""
    _readable(text)
    return text


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_date(text: str) -> bool:
    """YYYY-MM-DD only (what a date input posts): the model would also read other shapes, some of them
    as a Unix time, and a form must not guess what a person meant."""
    if not ISO_DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _rows_of(fields: Mapping[str, str], path: str, columns: Sequence[str]) -> list[dict[str, str]]:
    """The posted rows of a list, in index order, up to MAX_ROWS (empty rows included)."""
    indices = sorted({int(name[len(path) + 1:].split(".", 1)[0]) for name in fields
                      if name.startswith(path + ".") and name[len(path) + 1:].split(".", 1)[0].isdigit()})
    return [{c: fields.get(f"{path}.{i}.{c}", "").strip() for c in columns} for i in indices[:MAX_ROWS]]


def evidence_from_form(fields: Mapping[str, str], own_processes: Sequence[str], *, today: date,
                       kept: Mapping[str, Any] | None = None) -> FormOutcome:
    """The evidence document of a posted form, checked against the evidence model, with one error per
    field that is missing or cannot be read (and an accreditation that has already expired).

    Blank fields are left out of the document (the model then names a missing required one); a row
    with every column blank is ignored; the lists the rules read as empty are written as []."""
    form = EvidenceForm(kept=dict(kept or {}))
    errors: list[FieldError] = []
    document: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, *CHOICE_FIELDS, *DATE_FIELDS, *NUMBER_FIELDS, *YES_NO_FIELDS):
        text = (fields.get(name) or "").strip()
        form.values[name] = text
        if not text:
            continue
        if len(text) > MAX_VALUE:
            errors.append(FieldError(name, "too_long"))
        elif name in CHOICE_FIELDS and text not in CHOICE_FIELDS[name]:
            errors.append(FieldError(name, "choice"))
        elif name in YES_NO_FIELDS:
            if text not in ("yes", "no"):
                errors.append(FieldError(name, "choice"))
            else:
                _set(document, name, text == "yes")
        elif name in NUMBER_FIELDS:
            try:
                _set(document, name, _number(text))
            except (InvalidOperation, ValueError):
                errors.append(FieldError(name, "number"))
        elif name in DATE_FIELDS and not _is_date(text):
            errors.append(FieldError(name, "date"))
        else:
            _set(document, name, text)  # dates as ISO text, as the JSON holds them
    for path, columns in ROW_LISTS.items():
        rows = _rows_of(fields, path, columns)
        form.rows[path] = rows
        items = []
        for i, row in enumerate(rows):
            if not any(row.values()):
                continue
            item: dict[str, Any] = {}
            for column, text in row.items():
                if not text:
                    continue
                name = f"{path}.{i}.{column}"
                if column in ROW_DATES and not _is_date(text):
                    errors.append(FieldError(name, "date"))
                    continue
                try:
                    item[column] = (int(text) if column in ROW_INTEGERS else
                                    _decimal_text(text) if column in ROW_DECIMALS else text)
                except (InvalidOperation, ValueError):
                    errors.append(FieldError(name, "integer" if column in ROW_INTEGERS else "number"))
            items.append((i, item))
        if items or path == "offsets.retired":
            _set(document, path, [item for _, item in items])
        form.row_index[path] = [i for i, _ in items]  # the document's list index -> the row typed
    form.own_processes = [p.strip() for p in own_processes if p.strip()]
    if form.own_processes:
        document["own_processes"] = list(form.own_processes)
    plan = document.get("applicant", {}).get("reduction_plan") if isinstance(document.get("applicant"), dict) else None
    if plan == {}:  # an empty plan is no plan
        document["applicant"].pop("reduction_plan")
    document.update({k: v for k, v in form.kept.items() if k not in FORM_ITEMS})
    errors.extend(_model_errors(document, form, {e.field for e in errors}))
    until = _dig(document, "verifier.accreditation_valid_until")
    if not any(e.field == "verifier.accreditation_valid_until" for e in errors) and isinstance(until, str):
        if date.fromisoformat(until) < today:
            errors.append(FieldError("verifier.accreditation_valid_until", "past", today.isoformat()))
    return FormOutcome(document, errors, form)


def _field_of(loc: tuple[Any, ...], form: EvidenceForm) -> str:
    """The form field a model error location points at (a list index of the document is mapped back to
    the row the person typed, since blank rows were left out)."""
    parts = [str(p) for p in loc]
    for path in ROW_LISTS:
        depth = len(path.split("."))
        if ".".join(parts[:depth]) == path and len(parts) > depth and parts[depth].isdigit():
            index = form.row_index.get(path) or []
            k = int(parts[depth])
            if k < len(index):
                parts[depth] = str(index[k])
    return ".".join(parts)


_CODES = {
    "missing": "required", "string_too_short": "required", "date_parsing": "date", "date_from_datetime_parsing": "date",
    "date_from_datetime_inexact": "date", "date_type": "date", "decimal_parsing": "number", "float_parsing": "number",
    "greater_than": "positive", "greater_than_equal": "positive", "literal_error": "choice", "int_parsing": "integer",
}


# the model's required objects: when every field of one is blank, the model would name the object;
# validating an empty one instead names each of its required fields, as the form shows them
REQUIRED_OBJECTS = ("declared_unit", "product_rule", "reference_period", "verifier", "offsets")


def _model_errors(document: dict[str, Any], form: EvidenceForm, already: set[str]) -> list[FieldError]:
    try:
        Evidence.model_validate({**{k: {} for k in REQUIRED_OBJECTS}, **document})
    except ValidationError as exc:
        found: list[FieldError] = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            name = _field_of(loc, form)
            code = _CODES.get(error["type"], "invalid")
            if error["type"] == "value_error" and name in ("reference_period",):
                name, code = "reference_period.end", "order"  # Period: end before start
            if name not in already and all(f.field != name for f in found):
                found.append(FieldError(name, code, "" if code != "invalid" else str(error["msg"])))
        return found
    return []
