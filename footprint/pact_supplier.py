"""A supplier's PACT v3 footprint as a `supplier_pcf` line of our BOM (docs/pact.md, "Using a
supplier's footprint"). Pure: the footprint comes from a file or a PACT host, the BOM from the
caller.

The PACT figures are per declared unit (`declaredUnitAmount` x `declaredUnitOfMeasurement`); a
BOM line's `supplier_pcf` is per ONE unit of the line. The conversion is pint's, through the
product mass per declared unit when a piece meets a mass. A footprint that is deprecated, outside
its validity period on the date asked, or of a specification version we do not read is refused
with the reason, never used quietly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from footprint.bom import BOM, SupplierPCF
from footprint.errors import PactFootprintUnusable
from footprint.pact import PACT_UNITS, ProductFootprint, decimal_text
from footprint.result import FootprintResult, LineContribution
from lcidb.errors import UnknownUnit
from lcidb.units import parse_unit, registry

__all__ = ["SupplierLine", "supplier_pcf_from_pact", "use_pact_in_bom", "LineChange", "FootprintChange",
           "change_from_new_version"]

READ_MAJOR_VERSIONS = ("3",)  # v2 files are converted to v3 when read (footprint.pact_v2)


@dataclass(frozen=True)
class SupplierLine:
    """The `supplier_pcf` for one unit of a line and how it was derived."""

    supplier_pcf: SupplierPCF
    pf_id: str
    per_unit_factor: float  # line units -> PACT declared units: PACT value x factor = per line unit
    note: str


def _check_usable(pf: ProductFootprint, on: date, line_id: str | None) -> None:
    pid = str(pf.id)
    if pf.spec_version.split(".")[0] not in READ_MAJOR_VERSIONS:
        raise PactFootprintUnusable(pid, f"specVersion {pf.spec_version} is not a version this service reads", line_id)
    if pf.status != "Active":
        raise PactFootprintUnusable(pid, "status is Deprecated: the supplier has replaced it (a newer footprint "
                                    "lists it in precedingPfIds); fetch and use that one", line_id)
    start, end = pf.valid_from().date(), pf.valid_until().date()
    if not start <= on <= end:
        explicit = pf.validity_period_start is not None or pf.validity_period_end is not None
        how = "its validity period" if explicit else "the 3 years after its reference period (no validity period given)"
        raise PactFootprintUnusable(pid, f"not valid on {on.isoformat()}: {how} is {start.isoformat()} .. "
                                    f"{end.isoformat()}", line_id)


def _per_line_unit(pf: ProductFootprint, line_unit: str, line_id: str | None) -> tuple[float, str]:
    """Factor f with (PACT value per declared unit) x f = value per ONE line unit."""
    pid = str(pf.id)
    cf = pf.pcf
    pact_unit = PACT_UNITS[cf.declared_unit_of_measurement]
    if pact_unit is None:
        raise PactFootprintUnusable(pid, f"declared unit {cf.declared_unit_of_measurement!r} has no unit here", line_id)
    try:
        ours = parse_unit(line_unit)
    except UnknownUnit as exc:
        raise PactFootprintUnusable(pid, str(exc), line_id) from None
    ureg = registry()
    theirs = parse_unit(pact_unit)
    amount = float(cf.declared_unit_amount)
    declared = f"{decimal_text(cf.declared_unit_amount)} {cf.declared_unit_of_measurement}"
    if ureg.get_dimensionality(ours) == ureg.get_dimensionality(theirs):
        one_line_unit = ureg.Quantity(1.0, ours).to(theirs).magnitude
        return one_line_unit / amount, f"1 {line_unit} = {one_line_unit!r} {pact_unit}; per {declared}"
    mass = float(cf.product_mass_per_declared_unit)
    kg = parse_unit("kg")
    if ureg.get_dimensionality(ours) == ureg.get_dimensionality(kg) and mass > 0:
        # a footprint per piece (or m2, litre) used on a line counted in mass: per kg of product
        one_line_unit_kg = ureg.Quantity(1.0, ours).to(kg).magnitude
        return one_line_unit_kg / mass, (f"1 {line_unit} = {one_line_unit_kg!r} kg; {declared} weighs "
                                         f"{decimal_text(cf.product_mass_per_declared_unit)} kg")
    raise PactFootprintUnusable(pid, f"the line's unit {line_unit!r} cannot be converted to the footprint's "
                                f"declared unit ({declared}, {decimal_text(cf.product_mass_per_declared_unit)} "
                                "kg per declared unit); give the line in a unit of the same kind", line_id)


def _sum(*values: Decimal | None) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def supplier_pcf_from_pact(pf: ProductFootprint, line_unit: str, *, on: date,
                           line_id: str | None = None) -> SupplierLine:
    """The `supplier_pcf` of a BOM line in `line_unit` that stands for the supplier's product.

    `on` is the date the footprint must be valid on (the day our footprint is computed). The line books `pcfIncludingBiogenicUptake` (the ISO 14067 total) in PACT's parts; the fossil part is
    `fossilGhgEmissions`, the biogenic part `biogenicNonCO2Emissions +
    landManagementBiogenicCO2Emissions` when the supplier reports either; `verified` is true when
    the footprint carries a `verification` with coverage `product level`."""
    _check_usable(pf, on, line_id)
    factor, how = _per_line_unit(pf, line_unit, line_id)
    cf = pf.pcf
    biogenic = _sum(cf.biogenic_non_co2_emissions, cf.land_management_biogenic_co2_emissions)
    # Our BOM takes a supplier footprint in PACT's parts (issue 9): emissions >= 0, and the uptake
    # and removals (<= 0) in their own fields, so the label gate sees what is netted. The parts
    # always add up to pcfIncludingBiogenicUptake, whatever the supplier folded into
    # pcfExcludingBiogenicUptake: uptake = including - excluding; the removals the supplier reports
    # are taken out of the excluding figure.
    removals = _sum(cf.technological_co2_removals, cf.land_management_biogenic_co2_removals) or Decimal(0)
    uptake = cf.pcf_including_biogenic_uptake - cf.pcf_excluding_biogenic_uptake
    emissions = cf.pcf_excluding_biogenic_uptake - removals
    if emissions < 0 or uptake > 0:
        raise PactFootprintUnusable(
            str(pf.id), f"its emissions ({emissions} kg CO2e, pcfExcludingBiogenicUptake less removals) are negative "
            f"or its biogenic uptake ({uptake}) is positive; a supplier footprint books emissions >= 0 and "
            "uptake and removals <= 0", line_id)
    pcf = SupplierPCF(
        kgco2e_per_unit=float(emissions) * factor,
        fossil=float(cf.fossil_ghg_emissions) * factor,
        biogenic=None if biogenic is None else float(biogenic) * factor,
        biogenic_uptake=float(uptake) * factor if uptake else None,
        removals=float(removals) * factor if removals else None,
        # only a verification of this product's footprint counts; one of the calculation model or
        # the PCF programme says nothing about this figure
        verified=cf.verification is not None and cf.verification.coverage == "product level",
        pact_pf_id=str(pf.id),
    )
    return SupplierLine(supplier_pcf=pcf, pf_id=str(pf.id), per_unit_factor=factor, note=how)


def use_pact_in_bom(bom: BOM, line_id: str, pf: ProductFootprint, *, on: date) -> BOM:
    """A copy of `bom` whose line `line_id` books the supplier's PACT footprint (its factor or
    earlier supplier figure replaced). The footprint must be valid on `on`: the day the footprint
    is computed (PACT validity starts at the end of the supplier's reference period, so a supplier
    footprint is usually not yet valid within the same year)."""
    line = bom.line(line_id)
    if line.kind == "children" and bom.children_of(line_id):
        raise PactFootprintUnusable(str(pf.id), "the line is an assembly; a supplier footprint replaces a leaf line",
                                    line_id)
    supplied = supplier_pcf_from_pact(pf, line.unit, on=on, line_id=line_id)
    data = bom.model_dump()
    index = bom.index_of(line_id)
    data["lines"][index].update(factor_id=None, transport=None, supplier_pcf=supplied.supplier_pcf.model_dump())
    return BOM.model_validate(data, context={"locator": bom.locator})


@dataclass(frozen=True)
class LineChange:
    line_id: str
    old_pf_id: str
    new_pf_id: str
    amount_per_declared_unit: float  # line units per declared unit of our product
    # what the line books per unit: the supplier's net figure (emissions + uptake + removals,
    # SupplierPCF.net_per_unit), not its emissions part, since the total moves by the net figure
    old_kgco2e_per_unit: float
    new_kgco2e_per_unit: float

    @property
    def delta_kgco2e(self) -> float:
        """Change of the footprint per declared unit: the line books amount x per-unit figure."""
        return self.amount_per_declared_unit * (self.new_kgco2e_per_unit - self.old_kgco2e_per_unit)


@dataclass(frozen=True)
class FootprintChange:
    """What a supplier's newer footprint would do to one of our footprints."""

    product_id: str
    total_before: float
    lines: tuple[LineChange, ...]
    refused: tuple[str, ...] = field(default_factory=tuple)  # lines the new footprint cannot stand for, why

    @property
    def total_after(self) -> float:
        return self.total_before + sum(c.delta_kgco2e for c in self.lines)


def change_from_new_version(bom: BOM, result: FootprintResult, new_pf: ProductFootprint, *,
                            on: date) -> FootprintChange | None:
    """The change a newer supplier footprint would make to a stored footprint of ours: every
    supplier line whose `pact_pf_id` is one the new footprint replaces (its `precedingPfIds`),
    recomputed as the line would book the new figures. Supplier lines book `amount x figure`
    directly (docs/footprint.md), so the new total is the old one plus the line deltas, exactly.
    None when no line of the BOM uses a footprint the new one replaces."""
    replaced = {str(i).lower() for i in new_pf.preceding_pf_ids or []}
    amounts = {c.line_id: c.amount_per_declared_unit for c in _walk(result.lines)}
    changes: list[LineChange] = []
    refused: list[str] = []
    for line in bom.lines:
        pcf = line.supplier_pcf
        if pcf is None or pcf.pact_pf_id is None or pcf.pact_pf_id.lower() not in replaced:
            continue
        try:
            new = supplier_pcf_from_pact(new_pf, line.unit, on=on, line_id=line.line_id).supplier_pcf
        except PactFootprintUnusable as exc:
            refused.append(str(exc))
            continue
        changes.append(LineChange(line_id=line.line_id, old_pf_id=pcf.pact_pf_id, new_pf_id=str(new_pf.id),
                                  amount_per_declared_unit=amounts[line.line_id],
                                  old_kgco2e_per_unit=pcf.net_per_unit,
                                  new_kgco2e_per_unit=new.net_per_unit))
    if not changes and not refused:
        return None
    return FootprintChange(product_id=result.product_id, total_before=result.total_kgco2e,
                           lines=tuple(changes), refused=tuple(refused))


def _walk(lines: list[LineContribution]) -> list[LineContribution]:
    out: list[LineContribution] = []
    for line in lines:
        out.append(line)
        out.extend(_walk(line.children))
    return out
