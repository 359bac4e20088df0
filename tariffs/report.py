"""Portfolio exposure report: thresholds (EU 50 t de minimis, UK GBP 50,000), per-line results in
input order, optional projection 2026-2034, and aggregates by importer, year, CN code and sector."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from tariffs.errors import AmbiguousPriorMass, LineInputError
from tariffs.eu import ZERO, LineContext, eu_line, eu_scope, view_for
from tariffs.lines import parse_lines
from tariffs.models import (
    AggregateRow,
    Aggregates,
    Derivation,
    ExposureReport,
    ImportLine,
    LineResult,
    ThresholdStatus,
)
from tariffs.params import ParameterSet, shipped_parameters
from tariffs.reference import ReferenceData, shipped_reference
from tariffs.rounding import tonnes
from tariffs.scope import ScopeEntry
from tariffs.uk import uk_in_force, uk_line

PROJECTION_YEARS = tuple(range(2026, 2035))
# derive(line, scope entry) -> the indicative SEE of a DERIVED line (tariffs.derived)
Deriver = Callable[[ImportLine, ScopeEntry], Derivation]


def _same_day_in(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _prior_target(lines: list[ImportLine], importer: str | None) -> tuple[str | None, int]:
    importers = {line.importer_id for line in lines}
    target = importer
    if target is None:
        if len(importers) != 1:
            raise AmbiguousPriorMass(
                f"--prior-mass-t needs --importer: the lines name {len(importers)} importers "
                f"({', '.join(sorted(str(i) for i in importers))})"
            )
        target = next(iter(importers))
    years = {line.import_date.year for line in lines if line.importer_id == target and line.regime == "EU"}
    if not years:
        raise AmbiguousPriorMass(f"--prior-mass-t: no EU lines of importer {target!r}")
    if len(years) != 1:
        raise AmbiguousPriorMass(
            f"--prior-mass-t: the lines of importer {target!r} span the years {', '.join(map(str, sorted(years)))}; "
            "give one year's lines per run"
        )
    return target, next(iter(years))


def _expand(lines: list[ImportLine], projection: bool) -> list[tuple[ImportLine, LineContext]]:
    if not projection:
        return [(line, LineContext()) for line in lines]
    expanded = []
    for line in lines:
        for year in PROJECTION_YEARS:
            update: dict[str, Any] = {"import_date": _same_day_in(line.import_date, year)}
            if line.import_quarter:
                update["import_quarter"] = f"{year}-{line.import_quarter[5:]}"
            projected = line.model_copy(update=update)
            notes = [] if year == line.import_date.year else [
                f"projection: volume of the line dated {line.import_date.isoformat()} repeated in {year}"
            ]
            expanded.append((projected, LineContext(sefa_year=line.import_date.year, notes=notes)))
    return expanded


def exposure_report(
    lines: Iterable[dict[str, Any] | ImportLine],
    importer: str | None = None,
    prior_mass_t: Decimal | None = None,
    projection: bool = False,
    *,
    reference: ReferenceData | None = None,
    eu_parameters: ParameterSet | None = None,
    uk_parameters: ParameterSet | None = None,
    derive: Deriver | None = None,
    obligations: bool = False,
    purchase_plan: Mapping[str | None, Mapping[str, int]] | None = None,
) -> ExposureReport:
    """The exposure report of `lines` (dicts with the §9.1 columns, or parsed ImportLines).

    `importer` fills lines without importer_id; `prior_mass_t` is the importer's net mass of CBAM
    goods already imported in the year of its lines (EU de minimis). `obligations` adds the EU
    importers' quarterly holding, purchases, surrenders and monthly cash flow (tariffs.obligations),
    with `purchase_plan` (importer -> {YYYY-MM: certificates}) instead of buying just enough."""
    reference = reference or shipped_reference()
    eu_parameters = eu_parameters or shipped_parameters("EU")
    uk_parameters = uk_parameters or shipped_parameters("UK")
    raw = list(lines)
    dict_rows = [row for row in raw if not isinstance(row, ImportLine)]
    if dict_rows and len(dict_rows) != len(raw):
        raise LineInputError(None, None, None, "mix of parsed lines and dicts")
    given = [line for line in raw if isinstance(line, ImportLine)]
    parsed = (
        parse_lines(dict_rows, importer)
        if dict_rows
        else [line if line.importer_id or importer is None else line.model_copy(update={"importer_id": importer})
              for line in given]
    )
    if not parsed:
        raise LineInputError(None, None, None, "no import lines")
    # name the --importer argument only if some line took it (every line may carry its own importer)
    importer_used = importer is not None and (
        any(str(row.get("importer_id") or "").strip() == "" for row in dict_rows)
        or any(line.importer_id is None for line in given)
    )
    if prior_mass_t is not None and prior_mass_t < 0:
        raise LineInputError(None, "prior_mass_t", str(prior_mass_t), "must not be negative")
    prior_target = _prior_target(parsed, importer) if prior_mass_t is not None else None

    expanded = _expand(parsed, projection)
    entries: list[ScopeEntry | None] = []
    for line, _ in expanded:
        entries.append(eu_scope(line, view_for(line, eu_parameters), reference))

    thresholds = _thresholds(expanded, entries, eu_parameters, uk_parameters, prior_target, prior_mass_t)
    liable = {(t.regime, t.importer_id, t.year): t.status != "EXEMPT" for t in thresholds}

    derivations: dict[tuple[str, str], Derivation] = {}
    results: list[LineResult] = []
    for (line, context), entry in zip(expanded, entries):
        context.liable = liable.get((line.regime, line.importer_id, line.import_date.year), True)
        if line.regime == "EU" and entry is not None and entry.sector in eu_parameters.at(line.import_date).value(
            "de_minimis_excluded_sectors"
        ):
            context.liable = True  # hydrogen (and electricity): never exempt
        if line.data_basis == "DERIVED" and entry is not None:
            if derive is None:
                raise LineInputError(line.line_no, "bom_ref", line.bom_ref, "DERIVED lines need a footprint deriver")
            key = (str(line.bom_ref), line.cn_code)
            if key not in derivations:
                derivations[key] = derive(line, entry)
            context.derivation = derivations[key]
        if line.regime == "EU":
            result = eu_line(line, reference, eu_parameters, context)
        else:
            result = uk_line(line, reference, eu_parameters, uk_parameters, context)
        if line.exporter_id is not None or line.import_quarter is not None:
            result = result.model_copy(update={"exporter_id": line.exporter_id, "import_quarter": line.import_quarter})
        results.append(result)

    versions = {
        "eu_parameters": eu_parameters.version_id(),
        "uk_parameters": uk_parameters.version_id(),
        "scenarios": shipped_parameters("SCENARIOS").version_id(),
        **reference.version_ids,
    }
    assumptions = sorted({note for result in results for note in result.notes if " is an assumption" in note})
    over_time = None
    if obligations or purchase_plan is not None:
        from tariffs.obligations import importer_obligations

        over_time = importer_obligations(
            [line for line, _ in expanded], results, reference=reference, eu_parameters=eu_parameters,
            purchase_plan=purchase_plan,
        )
    return ExposureReport(
        generated_for=importer if importer_used else None,
        projection=projection,
        lines=results,
        aggregates=aggregate(results, thresholds),
        data_versions=versions,
        assumptions=assumptions,
        obligations=over_time,
    )


def _thresholds(
    expanded: list[tuple[ImportLine, LineContext]],
    entries: list[ScopeEntry | None],
    eu_parameters: ParameterSet,
    uk_parameters: ParameterSet,
    prior_target: tuple[str | None, int] | None,
    prior_mass_t: Decimal | None,
) -> list[ThresholdStatus]:
    eu_mass: dict[tuple[str | None, int], Decimal] = defaultdict(lambda: ZERO)
    uk_value: dict[tuple[str | None, int], Decimal] = defaultdict(lambda: ZERO)
    uk_missing: dict[tuple[str | None, int], int] = defaultdict(int)
    for (line, _), entry in zip(expanded, entries):
        key = (line.importer_id, line.import_date.year)
        if entry is None:
            continue
        if line.regime == "EU":
            excluded = eu_parameters.at(line.import_date).value("de_minimis_excluded_sectors")
            if entry.sector not in excluded:
                eu_mass[key] += line.net_mass_t
            else:
                eu_mass.setdefault(key, ZERO)
        elif uk_in_force(line, uk_parameters):
            if line.customs_value_gbp is None:
                uk_missing[key] += 1
                uk_value.setdefault(key, ZERO)
            else:
                uk_value[key] += line.customs_value_gbp
    if prior_target is not None and prior_mass_t is not None:
        eu_mass.setdefault(prior_target, ZERO)
    statuses: list[ThresholdStatus] = []
    for (importer_id, year), mass in sorted(eu_mass.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        prior = prior_mass_t if prior_target == (importer_id, year) and prior_mass_t is not None else ZERO
        limit = eu_parameters.at(date(year, 1, 1)).value("de_minimis_t")
        total = mass + prior
        statuses.append(ThresholdStatus(
            importer_id=importer_id, regime="EU", year=year, counted=mass, prior=prior, threshold=limit, unit="t",
            # Art. 2a: exempt while the year's net mass does not exceed the threshold (50 t exactly is exempt)
            status="EXEMPT" if total <= limit else "LIABLE",
            note=None,
        ))
    for (importer_id, year), value in sorted(uk_value.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        limit = uk_parameters.at(date(year, 1, 1)).value("registration_threshold_gbp")
        missing = uk_missing.get((importer_id, year), 0)
        if missing:
            status, note = "UNKNOWN", f"{missing} UK line(s) without customs_value_gbp: treated as liable"
        else:
            status, note = ("LIABLE" if value >= limit else "EXEMPT"), None
        statuses.append(ThresholdStatus(
            importer_id=importer_id, regime="UK", year=year, counted=value, prior=ZERO, threshold=limit,
            unit="GBP", status=status, note=note,
        ))
    return statuses


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


def _row(key: str, group: list[LineResult]) -> AggregateRow:
    priced = [r for r in group if r.scope_status not in ("OUT_OF_SCOPE", "NOT_IN_FORCE")]
    compared_eur = [r for r in priced if r.default_cost_eur is not None]
    compared_gbp = [r for r in priced if r.default_cost_gbp is not None]
    missing = sum(
        1 for r in priced
        if r.embedded_emissions_t is None or (r.regime == "EU" and r.cost_eur is None) or (r.regime == "UK" and r.cost_gbp is None)
    ) + sum(1 for r in priced if r.data_basis != "DEFAULT" and r.default_cost_eur is None and r.default_cost_gbp is None)
    return AggregateRow(
        key=key,
        lines=len(group),
        net_mass_t=tonnes(_sum(r.net_mass_t for r in priced)),
        embedded_emissions_t=tonnes(_sum(r.embedded_emissions_t for r in priced)),
        eu_embedded_emissions_t=tonnes(_sum(r.embedded_emissions_t for r in priced if r.regime == "EU")),
        uk_embedded_emissions_t=tonnes(_sum(r.embedded_emissions_t for r in priced if r.regime == "UK")),
        faa_t=tonnes(_sum(r.faa_t for r in priced)),
        certificates=tonnes(_sum(r.certificates for r in priced)),
        cost_eur=_sum(r.cost_eur for r in priced),
        cost_gbp=_sum(r.cost_gbp for r in priced),
        potential_cost_eur=_sum((r.potential_cost_eur if r.potential_cost_eur is not None else r.cost_eur) for r in priced),
        default_cost_eur=_sum(r.default_cost_eur for r in compared_eur) if compared_eur else None,
        saving_eur=_sum(r.saving_eur for r in compared_eur) if compared_eur else None,
        saving_gbp=_sum(r.saving_gbp for r in compared_gbp) if compared_gbp else None,
        lines_with_missing_values=missing,
        flags=sorted({flag for r in group for flag in r.flags}),
    )


def _group(results: list[LineResult], key: Callable[[LineResult], str]) -> list[AggregateRow]:
    groups: dict[str, list[LineResult]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return [_row(name, groups[name]) for name in sorted(groups)]


def aggregate(results: list[LineResult], thresholds: list[ThresholdStatus]) -> Aggregates:
    return Aggregates(
        by_importer=_group(results, lambda r: r.importer_id or "(no importer)"),
        by_year=_group(results, lambda r: str(r.year)),
        by_cn_code=_group(results, lambda r: r.cn_code),
        by_sector=_group(results, lambda r: r.sector or "(out of scope)"),
        thresholds=thresholds,
        total=_row("total", results),
    )


def key_figures(results: list[LineResult]) -> dict[str, Decimal | None]:
    """Headline figures that must not be mixed: verified (ACTUAL) and indicative (DERIVED) savings
    apart, and the potential cost of exempt lines (not owed) apart from the cost owed. None: no such line."""

    def total(values: Iterable[Decimal | None]) -> Decimal | None:
        present = [v for v in values if v is not None]
        return sum(present, ZERO) if present else None

    def saving(basis: str, field: str) -> Decimal | None:
        return total(getattr(r, field) for r in results if r.data_basis == basis)

    return {
        "saving_verified_eur": saving("ACTUAL", "saving_eur"),
        "saving_verified_gbp": saving("ACTUAL", "saving_gbp"),
        "saving_indicative_eur": saving("DERIVED", "saving_eur"),
        "saving_indicative_gbp": saving("DERIVED", "saving_gbp"),
        "exempt_potential_cost_eur": total(r.potential_cost_eur for r in results),
        "exempt_potential_cost_gbp": total(r.potential_cost_gbp for r in results),
    }
