"""UK CBAM exposure of one import line (from 1 January 2027; reference note §6).

    liability (GBP) = embodied emissions (t CO2e) x sector rate (GBP/t CO2e, per quarter)

The sector rate is a required dated scenario parameter (data/tariffs/uk_cbam.yaml). UK default
values are not published: without verified data the EU default value (total column, without the
EU mark-up, which is EU law) stands in, flagged UK_DEFAULTS_UNAVAILABLE. The registration
threshold (GBP 50,000 per importer and year) is applied by the report.
"""

from __future__ import annotations

from datetime import date

from tariffs.errors import LineInputError, ParameterMissing, TariffsError
from tariffs.eu import ZERO, LineContext, _default_lookup, _out_of_scope, eu_scope
from tariffs.models import ImportLine, LineResult
from tariffs.params import ParameterSet
from tariffs.reference import ReferenceData
from tariffs.rounding import money, tonnes


def uk_in_force(line: ImportLine, uk_parameters: ParameterSet) -> bool:
    try:
        uk_parameters.at(line.import_date).value("in_force")
    except ParameterMissing:
        return False
    return True


def uk_line(
    line: ImportLine,
    reference: ReferenceData,
    eu_parameters: ParameterSet,
    uk_parameters: ParameterSet,
    context: LineContext | None = None,
) -> LineResult:
    context = context or LineContext()
    if line.import_date < date(2026, 1, 1):
        raise LineInputError(line.line_no, "import_date", line.import_date.isoformat(), "before 2026; not modelled")
    # the CN scope is approximated by the EU Annex I mapping (UK Schedule 1 codes are close to it)
    entry = eu_scope(line, eu_parameters.at(line.import_date), reference)
    if not uk_in_force(line, uk_parameters):
        base = _out_of_scope(line, "UK")
        return base.model_copy(update={
            "scope_status": "NOT_IN_FORCE", "sector": entry.sector if entry else None,
            "notes": ["UK CBAM applies to goods imported from 2027-01-01"],
        })
    view = uk_parameters.at(line.import_date)
    if entry is None or entry.sector not in view.value("sectors"):
        return _out_of_scope(line, "UK")
    flags: set[str] = set()
    notes = list(context.notes)
    default_value = default_source = table = None
    if line.data_basis == "ACTUAL":
        see = line.actual_see_t_per_t
    elif line.data_basis == "DERIVED":
        if context.derivation is None:
            raise LineInputError(line.line_no, "bom_ref", line.bom_ref, "no derivation available for this DERIVED line")
        see = context.derivation.exact_see()
        flags.add("DERIVED_FROM_PCF")
    else:
        lookup = _default_lookup(line, reference)
        default_value, default_source, table = lookup.row.total, lookup.row.source, lookup.table_used
        see = lookup.row.total
        flags.add("UK_DEFAULTS_UNAVAILABLE")
        notes.append("UK default values not published: EU default value (without EU mark-up) used as a proxy")
    assert see is not None
    embedded = line.net_mass_t * see
    rate = view.value("sector_rate_gbp_per_tco2e")[entry.sector]
    cost = embedded * rate
    flags |= view.flags
    notes.extend(n for n in view.notes if n not in notes)
    result = LineResult(
        line_no=line.line_no, importer_id=line.importer_id, regime="UK", year=line.import_date.year,
        import_date=line.import_date, cn_code=line.cn_code, sector=entry.sector,
        country_of_origin=line.country_of_origin, net_mass_t=line.net_mass_t, scope_status="IN_SCOPE",
        emissions_scope="direct_and_indirect", data_basis=line.data_basis, default_source_table=table,
        default_value_t_per_t=default_value, default_value_source=default_source, markup=None,
        see=tonnes(see), embedded_emissions_t=tonnes(embedded), customs_value_gbp=line.customs_value_gbp,
        uk_rate_gbp_per_tco2e=rate, cost_gbp=money(cost), cost_gbp_per_t_good=money(cost / line.net_mass_t),
        derivation=context.derivation, flags=sorted(flags), notes=notes,
    )
    if not context.liable:
        result = result.model_copy(update={
            "scope_status": "EXEMPT_UK_THRESHOLD", "potential_cost_gbp": result.cost_gbp,
            "cost_gbp": ZERO, "cost_gbp_per_t_good": ZERO,
            # the UK threshold is by customs value (GBP), not the EU de minimis by mass
            "flags": sorted({*result.flags, "UK_THRESHOLD_EXEMPT"}),
        })
    if line.data_basis != "DEFAULT":
        try:
            counterfactual = uk_line(
                line.model_copy(update={"data_basis": "DEFAULT", "actual_see_t_per_t": None, "bom_ref": None,
                                        "actual_sefa_t_per_t": None, "production_route": None}),
                reference, eu_parameters, uk_parameters, LineContext(liable=context.liable),
            )
        except TariffsError as exc:
            return result.model_copy(update={"notes": [*result.notes, f"no default-value comparison: {exc}"]})
        assert counterfactual.cost_gbp is not None and result.cost_gbp is not None
        result = result.model_copy(update={
            "default_cost_gbp": counterfactual.cost_gbp, "saving_gbp": counterfactual.cost_gbp - result.cost_gbp,
        })
    return result
