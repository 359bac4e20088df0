"""From a certified product footprint to its indicative CBAM exposure (DERIVED, never declarable).

A label certificate records a product footprint computed from a BOM. When the product is a CBAM
good and its BOM lines carry `cbam_role`, the same mapping as a DERIVED import line
(tariffs.derived) gives an indicative specific embedded emissions value, and from it the
certificates and EUR per tonne of the good imported into the EU on a given date, next to the cost
on default values. It is shown on the certificate's page and in the API, always marked as
indicative and not declarable: a product footprint is not a verified CBAM value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from tariffs.derived import LineFootprint, derive_see, footprint_lines
from tariffs.errors import TariffsError
from tariffs.eu import LineContext, eu_line, eu_scope, view_for
from tariffs.models import Derivation, ImportLine, LineResult, Num, _Output
from tariffs.params import ParameterSet, shipped_parameters
from tariffs.reference import ReferenceData, shipped_reference
from tariffs.scope import ScopeEntry

NOT_DECLARABLE = (
    "indicative only, NOT declarable: derived from the certified product footprint, not a verified CBAM value; "
    "a CBAM declaration needs default values or actual emissions verified by an accredited CBAM verifier"
)


class IndicativeExposure(_Output):
    """Per tonne of the good imported into the EU on `import_date`, as an authorised (liable) declarant."""

    status: Literal["INDICATIVE_NOT_DECLARABLE"] = "INDICATIVE_NOT_DECLARABLE"
    declarable: Literal[False] = False
    cn_code: str
    sector: str
    country_of_origin: str
    import_date: date
    see_t_per_t: Num
    certificates_per_t: Num
    price_eur: Num
    cost_eur_per_t: Num
    default_see_t_per_t: Num | None
    default_cost_eur_per_t: Num | None
    saving_eur_per_t: Num | None
    flags: list[str]
    notes: list[str] = Field(default_factory=list)
    derivation: Derivation


def _is_line_map(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(isinstance(v, LineFootprint) for v in value.values())


def _model(value: Any, kind: str) -> Any:
    if kind == "bom":
        from footprint.bom import BOM, validate_bom

        return value if isinstance(value, BOM) else validate_bom(value)
    from footprint.result import FootprintResult

    return value if isinstance(value, FootprintResult) else FootprintResult.model_validate(value)


def indicative_exposure(
    bom: Any,
    footprint: Any,
    *,
    import_date: date,
    country_of_origin: str = "CN",
    source: str = "certified footprint",
    reference: ReferenceData | None = None,
    eu_parameters: ParameterSet | None = None,
) -> IndicativeExposure | None:
    """The indicative EU CBAM exposure of one tonne of the BOM's product, or None when it does not
    apply (the product's CN code is not a CBAM good, or no BOM line has a cbam_role). A 4/6-digit
    heading is resolved to its 8-digit code with the highest indicative cost (noted).

    `bom`: a footprint.bom.BOM or its JSON; `footprint`: the FootprintResult computed from it, its
    JSON, or line_id -> LineFootprint. Raises a TariffsError (DerivationError) when the BOM and footprint cannot be mapped."""
    bom_model = _model(bom, "bom")
    product_code = (bom_model.product.cn_code or "").replace(" ", "").replace(".", "")
    if not product_code.isdigit() or len(product_code) < 4:
        return None
    if not any(getattr(line, "cbam_role", None) for line in bom_model.lines):
        return None
    reference = reference or shipped_reference()
    eu_parameters = eu_parameters or shipped_parameters("EU")
    per_line = footprint if _is_line_map(footprint) else footprint_lines(_model(footprint, "footprint"))
    # a heading (4/6 digits) covers several 8-digit codes whose benchmarks differ: take the dearest
    codes = [product_code] if len(product_code) in (8, 10) else sorted(
        code for code in reference.benchmarks if code.startswith(product_code))
    best: tuple[LineResult, ScopeEntry, Derivation, str] | None = None
    for cn_code in codes:
        line = ImportLine(line_no=1, cn_code=cn_code, country_of_origin=country_of_origin, net_mass_t=Decimal(1),
                          import_date=import_date, data_basis="DERIVED", bom_ref=source)
        try:
            entry = eu_scope(line, view_for(line, eu_parameters), reference)
        except TariffsError:
            if len(codes) == 1:
                raise
            continue  # e.g. a code the default-value annex splits by TARIC
        if entry is None:
            continue
        derivation = derive_see(bom_model, per_line, source, line, entry, reference, eu_parameters)
        result = eu_line(line, reference, eu_parameters, LineContext(liable=True, derivation=derivation))
        if best is None or (result.cost_eur_per_t_good or 0) > (best[0].cost_eur_per_t_good or 0):
            best = (result, entry, derivation, cn_code)
    if best is None:
        return None
    result, entry, derivation, cn_code = best
    line = ImportLine(line_no=1, cn_code=cn_code, country_of_origin=country_of_origin, net_mass_t=Decimal(1),
                      import_date=import_date)
    default_see = None
    try:
        default_see = eu_line(line, reference, eu_parameters).see
    except TariffsError:
        pass
    notes = [NOT_DECLARABLE]
    if cn_code != product_code:
        notes.append(f"the product's code {product_code} is a heading: the 8-digit code with the highest indicative "
                     f"cost, {cn_code}, is shown (of {len(codes)}); declare the good's own 8-digit code")
    assert result.see is not None and result.certificates is not None and result.price_eur is not None
    assert result.cost_eur_per_t_good is not None
    return IndicativeExposure(
        cn_code=cn_code, sector=entry.sector, country_of_origin=country_of_origin, import_date=import_date,
        see_t_per_t=result.see, certificates_per_t=result.certificates, price_eur=result.price_eur,
        cost_eur_per_t=result.cost_eur_per_t_good, default_see_t_per_t=default_see,
        default_cost_eur_per_t=result.default_cost_eur, saving_eur_per_t=result.saving_eur,
        flags=list(result.flags), notes=[*notes, *result.notes], derivation=derivation,
    )
