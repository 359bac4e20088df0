"""Reference tables of the EU CBAM: default values (per country table + fallback) and Column B benchmarks.

The shipped, curated tables live in `data/tariffs/` (China + "Other countries and territories",
main headings of Guangdong's exports, each row with its source key). The same structures can be
built from the Commission's full tables with `tariffs.importers` (read from a path).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from tariffs.errors import (
    BenchmarkNotFound,
    CountryTableUnavailable,
    DefaultValueNotFound,
    ReferenceDataError,
)
from tariffs.params import tariffs_data_dir

FALLBACK_TABLE = "OTHER"
CURATED_DEFAULTS_FILE = "eu_default_values.csv"
CURATED_BENCHMARKS_FILE = "eu_benchmarks_column_b.csv"
DEFAULTS_COLUMNS = ("table", "cn_key", "description", "direct", "indirect", "total", "route", "source")
BENCHMARK_COLUMNS = ("cn8", "value", "route", "period", "source")


@dataclass(frozen=True)
class DefaultRow:
    """One row of a default-value table; `total` None means the annex prints "–" (or "see below")."""

    table: str
    cn_key: str
    description: str
    direct: Decimal | None
    indirect: Decimal | None
    total: Decimal | None
    route: str
    source: str
    locator: str


@dataclass(frozen=True)
class BenchmarkRow:
    """One Column B value; route (C/D/E/.../K/L/A/B) and period (1: 2026-27, 2: 2028-30) may be absent."""

    cn8: str
    value: Decimal
    route: str | None
    period: str | None
    source: str
    locator: str


@dataclass(frozen=True)
class DefaultLookup:
    row: DefaultRow
    table_used: str  # the country table id, or FALLBACK_TABLE
    fell_back: bool


@dataclass(frozen=True)
class BenchmarkLookup:
    value: Decimal
    route: str | None
    period: str | None
    rows: tuple[BenchmarkRow, ...]
    note: str | None


@dataclass
class ReferenceData:
    defaults: dict[str, dict[str, DefaultRow]]
    benchmarks: dict[str, list[BenchmarkRow]]
    # ISO-2 country code -> table id in `defaults` (e.g. "CN" -> "CHN")
    countries: dict[str, str]
    version_ids: dict[str, str] = field(default_factory=dict)

    # -- default values -------------------------------------------------------------------
    def _longest_key(self, table: dict[str, DefaultRow], code: str) -> DefaultRow | None:
        for length in range(len(code), 3, -1):
            row = table.get(code[:length])
            if row is not None:
                return row
        return None

    def split_keys(self, code: str) -> list[str]:
        """Keys of any table that are longer than `code` and start with it (TARIC splits)."""
        found: set[str] = set()
        for table in self.defaults.values():
            found.update(key for key in table if len(key) > len(code) and key.startswith(code))
        return sorted(found)

    def default_for(self, country_iso2: str, code: str) -> DefaultLookup:
        """Country table first; missing code or "–" -> the 'Other countries and territories' table."""
        table_id = self.countries.get(country_iso2)
        if table_id is None:
            raise CountryTableUnavailable(
                f"no default-value table for country {country_iso2!r} in the loaded reference data "
                f"(tables for: {', '.join(sorted(self.countries)) or 'none'}); whether the country is "
                "listed in Annex I cannot be decided, so the fallback table is not used. Load the "
                "Commission's full table (tariffs.importers) or declare ACTUAL data"
            )
        country_row = self._longest_key(self.defaults.get(table_id, {}), code)
        if country_row is not None and country_row.total is not None:
            return DefaultLookup(country_row, table_id, False)
        fallback_row = self._longest_key(self.defaults.get(FALLBACK_TABLE, {}), code)
        if fallback_row is not None and fallback_row.total is not None:
            return DefaultLookup(fallback_row, FALLBACK_TABLE, True)
        raise DefaultValueNotFound(
            f"no default value for CN {code} in table {table_id} nor in the "
            "'Other countries and territories' table"
        )

    # -- benchmarks -----------------------------------------------------------------------
    def knows_cn8(self, cn8: str) -> bool:
        return cn8 in self.benchmarks

    def benchmark_for(self, cn8: str, routes: list[str], period: str) -> BenchmarkLookup:
        """Column B value for `cn8`. Rows with a route must match one of `routes` (several -> the
        highest, IR 2025/2620 Annex 5.1); rows with a period must match `period`."""
        rows = self.benchmarks.get(cn8)
        if not rows:
            raise BenchmarkNotFound(f"no Column B benchmark for CN {cn8}")
        candidates = [r for r in rows if r.period is None or r.period == period]
        routed = [r for r in candidates if r.route is not None]
        note = None
        if routed:
            if routes:
                chosen = [r for r in routed if r.route in routes]
                if not chosen:
                    available = sorted({r.route for r in routed if r.route})
                    raise BenchmarkNotFound(
                        f"no Column B benchmark for CN {cn8} with route {'/'.join(routes)} "
                        f"(available: {'/'.join(available)})"
                    )
            else:
                chosen = routed
                note = f"no production route known for CN {cn8}; highest Column B route value taken"
        else:
            chosen = candidates
        if not chosen:
            raise BenchmarkNotFound(f"no Column B benchmark for CN {cn8} in period ({period})")
        best = max(chosen, key=lambda r: r.value)
        if len({r.route for r in chosen}) > 1 and note is None:
            note = (
                f"several routes ({'/'.join(sorted(r.route or '' for r in chosen))}) for CN {cn8}: "
                "highest benchmark taken (IR 2025/2620 Annex 5.1)"
            )
        return BenchmarkLookup(best.value, best.route, best.period, tuple(chosen), note)


# -- curated CSV (the shipped format) -------------------------------------------------------

def _decimal_or_none(raw: str, locator: str, field_name: str) -> Decimal | None:
    raw = raw.strip()
    if raw == "":
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ReferenceDataError(f"{locator}, field {field_name!r}: not a number (value: {raw!r})") from None


def _file_version(path: Path) -> str:
    return f"{path.name}#{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"


def load_curated(directory: Path | None = None) -> ReferenceData:
    directory = directory or tariffs_data_dir()
    defaults_path = directory / CURATED_DEFAULTS_FILE
    benchmarks_path = directory / CURATED_BENCHMARKS_FILE
    defaults: dict[str, dict[str, DefaultRow]] = {}
    with defaults_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != DEFAULTS_COLUMNS:
            raise ReferenceDataError(f"{defaults_path}: columns must be {DEFAULTS_COLUMNS}")
        for number, record in enumerate(reader, start=2):
            locator = f"{defaults_path.name}, row {number}"
            row = DefaultRow(
                table=record["table"],
                cn_key=record["cn_key"],
                description=record["description"],
                direct=_decimal_or_none(record["direct"], locator, "direct"),
                indirect=_decimal_or_none(record["indirect"], locator, "indirect"),
                total=_decimal_or_none(record["total"], locator, "total"),
                route=record["route"],
                source=record["source"],
                locator=locator,
            )
            defaults.setdefault(row.table, {})[row.cn_key] = row
    benchmarks: dict[str, list[BenchmarkRow]] = {}
    with benchmarks_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != BENCHMARK_COLUMNS:
            raise ReferenceDataError(f"{benchmarks_path}: columns must be {BENCHMARK_COLUMNS}")
        for number, record in enumerate(reader, start=2):
            locator = f"{benchmarks_path.name}, row {number}"
            value = _decimal_or_none(record["value"], locator, "value")
            if value is None:
                raise ReferenceDataError(f"{locator}, field 'value': empty")
            benchmarks.setdefault(record["cn8"], []).append(
                BenchmarkRow(
                    cn8=record["cn8"],
                    value=value,
                    route=record["route"] or None,
                    period=record["period"] or None,
                    source=record["source"],
                    locator=locator,
                )
            )
    return ReferenceData(
        defaults=defaults,
        benchmarks=benchmarks,
        countries={"CN": "CHN"},
        version_ids={
            "default_values": _file_version(defaults_path),
            "benchmarks_column_b": _file_version(benchmarks_path),
        },
    )


@lru_cache(maxsize=1)
def shipped_reference() -> ReferenceData:
    return load_curated()
