"""EU CBAM exposure of one import line (reference note §9.2), in Decimal.

    SEE (default) = total default value x (1 + mark-up(sector, year))   -- not compounded
    EE            = net mass x SEE
    SEFA          = CBAM factor(y) x CSCF(y) x Column B benchmark(CN, route, period)
    FAA           = net mass x SEFA
    CPR           = net mass x carbon price paid / reference price        (ACTUAL only)
    certificates  = max(0, EE - FAA - CPR)                                (per line, no netting)
    cost          = certificates x certificate price (2026: quarter of import)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tariffs.errors import (
    CarbonPriceWithDefaults,
    LineInputError,
    ParameterMissing,
    TariffsError,
    UnknownCNCode,
    UnsupportedGood,
)
from tariffs.models import Derivation, ImportLine, LineResult
from tariffs.params import ParameterSet, ParameterView
from tariffs.reference import DefaultLookup, ReferenceData
from tariffs.rounding import money, tonnes
from tariffs.scope import ScopeEntry, classify

ZERO = Decimal(0)


@dataclass
class LineContext:
    """What the report decides about a line beyond the line itself."""

    liable: bool = True
    derivation: Derivation | None = None
    # for projected lines: the year the line's own actual SEFA refers to
    sefa_year: int | None = None
    notes: list[str] = field(default_factory=list)


def view_for(line: ImportLine, parameters: ParameterSet) -> ParameterView:
    view = parameters.at(line.import_date)
    try:
        view.value("in_force")
    except ParameterMissing:
        raise LineInputError(
            line.line_no, "import_date", line.import_date.isoformat(),
            "before the EU CBAM definitive period (starts 2026-01-01)",
        ) from None
    return view


def eu_scope(line: ImportLine, view: ParameterView, reference: ReferenceData) -> ScopeEntry | None:
    entry = classify(line.cn_code, view.value("scope"), line.line_no)
    if entry is None:
        return None
    if entry.sector == "electricity":
        raise UnsupportedGood(line.line_no, "cn_code", line.cn_code, "electricity imports are not priced by this calculator")
    if not reference.knows_cn8(line.cn_code[:8]):
        raise UnknownCNCode(
            line.line_no, "cn_code", line.cn_code,
            f"in the CBAM scope ({entry.sector}) but not a CN code of the loaded reference tables "
            f"({reference.version_ids.get('benchmarks_column_b', 'benchmarks')}); check the code",
        )
    splits = reference.split_keys(line.cn_code) if len(line.cn_code) == 8 else []
    if splits:
        raise UnknownCNCode(
            line.line_no, "cn_code", line.cn_code,
            f"the default-value annex splits this code by TARIC; declare one of {', '.join(splits)}",
        )
    return entry


def _routes(route_text: str) -> list[str]:
    return [part for part in route_text.split("/") if part]


def _default_lookup(line: ImportLine, reference: ReferenceData) -> DefaultLookup:
    try:
        return reference.default_for(line.country_of_origin, line.cn_code)
    except TariffsError as exc:
        raise LineInputError(line.line_no, "cn_code", line.cn_code, str(exc)) from None


def _out_of_scope(line: ImportLine, regime: str = "EU") -> LineResult:
    return LineResult(
        line_no=line.line_no, importer_id=line.importer_id, regime=regime,
        year=line.import_date.year, import_date=line.import_date, cn_code=line.cn_code, sector=None,
        country_of_origin=line.country_of_origin, net_mass_t=line.net_mass_t, scope_status="OUT_OF_SCOPE",
        data_basis=line.data_basis, certificates=ZERO, cost_eur=ZERO if regime == "EU" else None,
        cost_gbp=ZERO if regime == "UK" else None, customs_value_gbp=line.customs_value_gbp,
        notes=[f"CN {line.cn_code} is not a CBAM good (Annex I of Regulation (EU) 2023/956)"],
    )


@dataclass
class _Sefa:
    value: Decimal
    benchmark: Decimal | None = None
    period: str | None = None
    route: str | None = None
    estimated: bool = False
    note: str | None = None


def _default_sefa(line: ImportLine, view: ParameterView, reference: ReferenceData, routes: list[str]) -> _Sefa:
    factor = view.value("cbam_factor")
    cscf = view.value("cscf")
    period = str(view.value("benchmark_period"))
    lookup = reference.benchmark_for(line.cn_code[:8], routes, period)
    return _Sefa(factor * cscf * lookup.value, lookup.value, lookup.period, lookup.route, note=lookup.note)


def reference_price(parameters: ParameterSet, year: int, override: Decimal | None) -> tuple[Decimal, set[str]]:
    """Average certificate price of the import year (draft Art. 9(5) IR), or the line's override;
    with the flags of the parameter values it used."""
    if override is not None:
        return override, set()
    views = [parameters.at(date(year, month, 1)) for month in (1, 4, 7, 10)]
    quarters = [view.value("certificate_price_eur") for view in views]
    return sum(quarters, ZERO) / Decimal(4), set().union(*(view.flags for view in views))


def eu_line(
    line: ImportLine, reference: ReferenceData, parameters: ParameterSet, context: LineContext | None = None
) -> LineResult:
    context = context or LineContext()
    view = view_for(line, parameters)
    entry = eu_scope(line, view, reference)
    if entry is None:
        return _out_of_scope(line)
    notes = list(context.notes)
    flags: set[str] = set()
    mass = line.net_mass_t

    lookup: DefaultLookup | None = None
    markup = base = None
    if line.data_basis == "DEFAULT":
        lookup = _default_lookup(line, reference)
        view.value("default_values_in_force")
        base = lookup.row.total
        markup = view.value("markup")[entry.sector]
        see = base * (1 + markup)
        if lookup.fell_back:
            notes.append(
                f"no value for CN {line.cn_code} in the {line.country_of_origin} table: "
                "'Other countries and territories' value used"
            )
    elif line.data_basis == "ACTUAL":
        see = line.actual_see_t_per_t
    else:
        if context.derivation is None:
            raise LineInputError(line.line_no, "bom_ref", line.bom_ref, "no derivation available for this DERIVED line")
        see = context.derivation.exact_see()
        flags.add("DERIVED_FROM_PCF")
    embedded = mass * see

    # carbon price paid abroad: only deductible on actual verified data
    cpr = ZERO
    if line.carbon_price_paid_eur_per_t_good is not None and line.carbon_price_paid_eur_per_t_good > 0:
        if line.data_basis != "ACTUAL":
            defaults = view.value("default_carbon_price_eur") or {}
            if line.country_of_origin not in defaults:
                raise CarbonPriceWithDefaults(
                    line.line_no, "carbon_price_paid_eur_per_t_good", str(line.carbon_price_paid_eur_per_t_good),
                    f"a carbon price paid can only be deducted with ACTUAL verified data; with {line.data_basis} "
                    f"values only a Commission default carbon price counts, and none exists for "
                    f"{line.country_of_origin} at {line.import_date.isoformat()}",
                )
        ref_price, ref_flags = reference_price(parameters, line.import_date.year, line.certificate_price_eur)
        flags |= ref_flags
        cpr = mass * line.carbon_price_paid_eur_per_t_good / ref_price
        notes.append(f"carbon price reduction at the reference price {money(ref_price)} EUR/t (draft Art. 9(5) IR)")

    # free allocation adjustment
    if line.data_basis == "DEFAULT":
        assert lookup is not None
        routes = _routes(lookup.row.route)
        if line.production_route and line.production_route not in (lookup.row.route, *routes):
            raise LineInputError(
                line.line_no, "production_route", line.production_route,
                f"on the default path the route is the one of the default-value row ({lookup.row.route or 'none'})",
            )
        sefa = _default_sefa(line, view, reference, routes)
    elif line.actual_sefa_t_per_t is not None and line.data_basis == "ACTUAL":
        sefa = _Sefa(line.actual_sefa_t_per_t)
        if context.sefa_year is not None and context.sefa_year != line.import_date.year:
            origin = parameters.at(date(context.sefa_year, 1, 1))
            origin_share = origin.value("cbam_factor") * origin.value("cscf")
            share = view.value("cbam_factor") * view.value("cscf")
            if origin_share == 0:
                raise LineInputError(line.line_no, "actual_sefa_t_per_t", str(line.actual_sefa_t_per_t),
                                     f"cannot project a SEFA reported for {context.sefa_year} (CBAM factor 0)")
            sefa = _Sefa(line.actual_sefa_t_per_t * share / origin_share, estimated=True,
                         note=f"operator SEFA of {context.sefa_year} rescaled by the CBAM factor and CSCF of {line.import_date.year}")
    else:
        if line.production_route:
            routes = _routes(line.production_route)
        else:
            routes = _routes(_default_lookup(line, reference).row.route)
        sefa = _default_sefa(line, view, reference, routes)
        sefa.estimated = True
        notes.append("SEFA estimated with the Column B benchmark (operator's verified SEFA not given)")
    if sefa.estimated:
        flags.add("SEFA_ESTIMATED")
    if sefa.note:
        notes.append(sefa.note)
    faa = mass * sefa.value

    certificates = max(ZERO, embedded - faa - cpr)
    price_dated = view.dated("certificate_price_eur")
    price = price_dated.value
    if line.certificate_price_eur is not None and line.certificate_price_eur != price:
        price = line.certificate_price_eur
        flags.add("PRICE_SCENARIO")
        notes.append(f"certificate price {line.certificate_price_eur} EUR/t given on the line (scenario)")
    cost = certificates * price

    flags |= view.flags
    notes.extend(n for n in view.notes if n not in notes)
    result = LineResult(
        line_no=line.line_no,
        importer_id=line.importer_id,
        regime="EU",
        year=line.import_date.year,
        import_date=line.import_date,
        cn_code=line.cn_code,
        sector=entry.sector,
        country_of_origin=line.country_of_origin,
        net_mass_t=mass,
        scope_status="IN_SCOPE",
        emissions_scope=entry.emissions,
        data_basis=line.data_basis,
        default_source_table=lookup.table_used if lookup else None,
        default_value_t_per_t=base,
        default_value_source=lookup.row.source if lookup else None,
        markup=markup,
        see=tonnes(see),
        embedded_emissions_t=tonnes(embedded),
        benchmark_column="B" if sefa.benchmark is not None else None,
        benchmark_value=sefa.benchmark,
        benchmark_period=sefa.period,
        route=sefa.route or line.production_route,
        cbam_factor=view.value("cbam_factor"),
        cscf=view.value("cscf"),
        sefa=tonnes(sefa.value),
        faa_t=tonnes(faa),
        carbon_price_reduction_t=tonnes(cpr),
        certificates=tonnes(certificates),
        certificates_to_buy=math.ceil(tonnes(certificates)),
        price_eur=price,
        cost_eur=money(cost),
        cost_eur_per_t_good=money(cost / mass),
        derivation=context.derivation,
        flags=sorted(flags),
        notes=notes,
    )
    if not context.liable:
        result = result.model_copy(
            update={
                "scope_status": "EXEMPT_DE_MINIMIS",
                "potential_certificates": result.certificates,
                "potential_cost_eur": result.cost_eur,
                "certificates": ZERO,
                "certificates_to_buy": 0,
                "cost_eur": ZERO,
                "cost_eur_per_t_good": ZERO,
                "flags": sorted({*result.flags, "DE_MINIMIS_EXEMPT"}),
            }
        )
    if line.data_basis != "DEFAULT":
        result = _with_default_counterfactual(result, line, reference, parameters, context)
    return result


def _with_default_counterfactual(
    result: LineResult, line: ImportLine, reference: ReferenceData, parameters: ParameterSet, context: LineContext
) -> LineResult:
    """The same line on default values: the saving that actual (or derived) data brings."""
    counterfactual_line = line.model_copy(
        update={"data_basis": "DEFAULT", "actual_see_t_per_t": None, "actual_sefa_t_per_t": None,
                "production_route": None, "carbon_price_paid_eur_per_t_good": None, "bom_ref": None}
    )
    try:
        counterfactual = eu_line(counterfactual_line, reference, parameters, LineContext(liable=context.liable))
    except TariffsError as exc:
        return result.model_copy(update={"notes": [*result.notes, f"no default-value comparison: {exc}"]})
    assert counterfactual.cost_eur is not None and result.cost_eur is not None
    return result.model_copy(
        update={"default_cost_eur": counterfactual.cost_eur,
                "saving_eur": counterfactual.cost_eur - result.cost_eur}
    )
