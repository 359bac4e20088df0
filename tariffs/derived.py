"""From a product footprint to an indicative CBAM specific embedded emissions value (DERIVED).

A product carbon footprint is not a CBAM value: CBAM counts the installation boundary only (no
transport, packaging or downstream services), CBAM gases only, precursors at their embedded
emissions (scrap, not a CBAM good, at zero), and the Commission does not accept LCI-database
factors. So a DERIVED value is always indicative, flagged DERIVED_FROM_PCF, never treated as ACTUAL,
and its mapping is shown line by line. The BOM lines carry `cbam_role`:

    direct_fuel | process     -> direct emissions (the line's footprint, kg CO2e per declared unit)
    electricity               -> indirect emissions, counted only for goods outside Annex II
                                 (cement, fertilisers, sinter); excluded for steel, aluminium, hydrogen
    precursor:CN              -> precursor mass x the precursor's CBAM default value (country table,
                                 fallback table; no mark-up); not a CBAM good (e.g. 7204 scrap) -> 0;
                                 no default value -> the footprint value, noted as LCI-based
    excluded / no role        -> outside the CBAM boundary (a line without a role whose children
                                 have roles is opened up)

    SEE (t/t) = (direct + indirect + precursors) [kg CO2e per declared unit] / mass of one declared unit [kg]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tariffs.errors import DerivationError, TariffsError
from tariffs.models import Derivation, ImportLine
from tariffs.params import ParameterSet, shipped_parameters
from tariffs.reference import ReferenceData, shipped_reference
from tariffs.scope import ScopeEntry, classify

CAVEATS = (
    "indicative only: derived from a product footprint, not a verified CBAM value (never ACTUAL)",
    "footprint lines are cradle-to-gate and all-GHG: fuel lines include upstream fuel-chain emissions "
    "and non-CBAM gases, so the direct part is over-estimated",
    "the Commission does not accept emission factors from LCA/LCI databases (CBAM Q&A §4.24)",
)


@dataclass(frozen=True)
class LineFootprint:
    """What the footprint engine reports for one BOM line, per declared unit (children included)."""

    kgco2e: float
    amount: float
    unit: str


def footprint_lines(result: Any) -> dict[str, LineFootprint]:
    """Flatten a FootprintResult's line tree to line_id -> LineFootprint."""
    found: dict[str, LineFootprint] = {}
    stack = list(result.lines)
    while stack:
        line = stack.pop()
        found[line.line_id] = LineFootprint(line.kgco2e, line.amount_per_declared_unit, line.unit)
        stack.extend(line.children)
    return found


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _kg_per(unit: str) -> Decimal | None:
    from lcidb.errors import LcidbError
    from lcidb.units import conversion_factor

    try:
        return _decimal(conversion_factor(unit, "kg"))
    except LcidbError:
        return None


def derive_see(
    bom: Any,
    footprint: Mapping[str, LineFootprint],
    bom_ref: str,
    line: ImportLine,
    entry: ScopeEntry,
    reference: ReferenceData,
    eu_parameters: ParameterSet,
) -> Derivation:
    """The indicative SEE of `line`'s good from `bom` and its footprint lines (pure)."""

    def fail(reason: str, value: object = bom_ref) -> DerivationError:
        return DerivationError(line.line_no, "bom_ref", value, f"{bom_ref}: {reason}")

    product = bom.product
    if product.cn_code and not (line.cn_code.startswith(product.cn_code) or product.cn_code.startswith(line.cn_code)):
        raise fail(f"the BOM's product CN {product.cn_code} does not match the line's CN {line.cn_code}")
    unit_kg = _kg_per(product.declared_unit.unit)
    if unit_kg is not None:
        mass_kg = unit_kg * _decimal(product.declared_unit.amount)
    elif product.mass_kg:
        mass_kg = _decimal(product.mass_kg)
    else:
        raise fail(f"declared unit {product.declared_unit.unit!r} is not a mass and the product has no mass_kg")

    scope_rows = eu_parameters.at(line.import_date).value("scope")
    children: dict[str | None, list[Any]] = {}
    for bom_line in bom.lines:
        children.setdefault(bom_line.parent_id, []).append(bom_line)

    mapping: list[dict[str, object]] = []
    notes = list(CAVEATS) + [
        "SEE shown to 6 decimals; embedded emissions are computed from the unrounded value"
    ]
    included = excluded = Decimal(0)

    def footprint_kg(line_id: str) -> Decimal:
        if line_id not in footprint:
            raise fail(f"BOM line {line_id!r} has no result in the footprint", line_id)
        return _decimal(footprint[line_id].kgco2e)

    def visit(bom_line: Any) -> None:
        nonlocal included, excluded
        role = bom_line.cbam_role
        if role is None and children.get(bom_line.line_id):
            for child in children[bom_line.line_id]:
                visit(child)
            return
        kg = footprint_kg(bom_line.line_id)
        row: dict[str, object] = {"line_id": bom_line.line_id, "name": bom_line.name, "cbam_role": role,
                                  "footprint_kgco2e": float(kg)}
        if role in ("direct_fuel", "process"):
            row.update(treatment="direct", cbam_kgco2e=float(kg), basis="footprint of the line")
            included += kg
        elif role == "electricity":
            if entry.emissions == "direct_and_indirect":
                row.update(treatment="indirect", cbam_kgco2e=float(kg), basis="footprint of the line (grid factor)")
                included += kg
            else:
                row.update(treatment="excluded", cbam_kgco2e=0.0,
                           basis=f"indirect emissions do not count for {entry.sector} (Annex II: direct only)")
                excluded += kg
        elif role is not None and role.startswith("precursor:"):
            code = role.split(":", 1)[1]
            precursor_entry = classify(code, scope_rows, line.line_no)
            if precursor_entry is None:
                row.update(treatment="precursor", cbam_kgco2e=0.0,
                           basis=f"CN {code} is not a CBAM good (e.g. scrap): zero embedded emissions")
                excluded += kg
            else:
                data = footprint[bom_line.line_id]
                per_kg = _kg_per(data.unit)
                if per_kg is None:
                    raise fail(f"precursor line {bom_line.line_id!r} has unit {data.unit!r}, not a mass", bom_line.line_id)
                precursor_kg = _decimal(data.amount) * per_kg
                try:
                    lookup = reference.default_for(line.country_of_origin, code)
                except TariffsError as exc:
                    row.update(treatment="precursor", cbam_kgco2e=float(kg),
                               basis=f"no CBAM default value for CN {code} ({exc}); footprint (LCI) value kept")
                    notes.append(f"precursor {bom_line.line_id}: LCI value used, not acceptable in a declaration")
                    included += kg
                else:
                    assert lookup.row.total is not None
                    cbam_kg = precursor_kg * lookup.row.total
                    row.update(treatment="precursor", cbam_kgco2e=float(cbam_kg), precursor_mass_kg=float(precursor_kg),
                               basis=f"{precursor_kg} kg x CBAM default {lookup.row.total} t/t "
                                     f"({lookup.table_used} {lookup.row.cn_key}, no mark-up)")
                    included += cbam_kg
        else:
            reason = "marked excluded" if role == "excluded" else "no cbam_role: outside the installation boundary"
            row.update(treatment="excluded", cbam_kgco2e=0.0, basis=reason)
            excluded += kg
        mapping.append(row)

    for root in children.get(None, []):
        visit(root)
    if not any(row["treatment"] != "excluded" for row in mapping):
        raise fail("no BOM line carries a CBAM role (direct_fuel, process, electricity, precursor:CN)")
    see = included / mass_kg  # kg CO2e per kg = t CO2e per t
    return Derivation(
        bom_ref=bom_ref,
        declared_unit=f"{product.declared_unit.amount:g} {product.declared_unit.unit} ({mass_kg} kg)",
        see_t_per_t=see.quantize(Decimal("0.000001")),
        see_exact_t_per_t=see,
        lines=mapping,
        excluded_kgco2e=excluded,
        notes=notes,
    )


def footprint_deriver(
    snapshot: str = "default",
    base_dir: Path | None = None,
    resolve_bom: Callable[[str], Any] | None = None,
    reference: ReferenceData | None = None,
    eu_parameters: ParameterSet | None = None,
) -> Callable[[ImportLine, ScopeEntry], Derivation]:
    """A deriver for exposure_report: reads `bom_ref` (a BOM file relative to `base_dir`, or via
    `resolve_bom`, e.g. a stored product in the service), computes its footprint on `snapshot`."""
    reference = reference or shipped_reference()
    eu_parameters = eu_parameters or shipped_parameters("EU")

    def derive(line: ImportLine, entry: ScopeEntry) -> Derivation:
        from footprint import compute
        from footprint.errors import FootprintError
        from lcidb.errors import LcidbError
        from lcidb.snapshot import load_snapshot

        ref = str(line.bom_ref)
        try:
            if resolve_bom is not None:
                bom = resolve_bom(ref)
            else:
                from footprint.bom_io import read_bom

                path = Path(ref)
                bom = read_bom(path if path.is_absolute() or base_dir is None else base_dir / path)
            result = compute(bom, load_snapshot(snapshot))
        except (FootprintError, LcidbError) as exc:
            raise DerivationError(line.line_no, "bom_ref", ref, f"cannot compute the footprint: {exc}") from None
        return derive_see(bom, footprint_lines(result), ref, line, entry, reference, eu_parameters)

    return derive
