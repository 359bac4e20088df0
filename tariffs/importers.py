"""Importers for the Commission's CBAM reference tables, in the formats of the transcriptions the
project's reference folder holds (read from a path at run time; never copied into the project):

* default values as corrected by IR (EU) 2026/1740, comma CSV with columns
  `country_or_territory, country_iso3, good_key, default_direct_t_co2e_per_t,
  default_indirect_t_co2e_per_t, default_total_t_co2e_per_t, production_route_code`;
* the Feb-2026 all-country workbook export ("DVs as adopted_v20260204"), `;`-separated, Latin-1,
  8-digit codes with white/grey clinker told apart by description (pre-2026/1740 values);
* Column B benchmarks of IR (EU) 2025/2620 Annex 5.3, `;`-separated, decimal comma, UTF-8 BOM,
  sector banner rows, route/period indicators such as "1,370 (C)" or "1,460 (F)(1)".
"""

from __future__ import annotations

import csv
import hashlib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tariffs.errors import ReferenceDataError
from tariffs.reference import FALLBACK_TABLE, BenchmarkRow, DefaultRow, ReferenceData

OTHER_NAMES = ("Other countries and territories", "_Other Countries and Territorie")
_BENCHMARK_LINE = re.compile(r"^(\d{8});(\d+,\d+)\s*(?:\(([A-Z])\))?\s*(?:\((\d)\))?\s*$")
_ROUTE_CELL = re.compile(r"^\(([A-Z])\)$")
# the all-country file keeps 8-digit codes; the 2026/1740 annex splits these by TARIC code
_TARIC_BY_DESCRIPTION = {
    ("25231000", "white"): "2523100010",
    ("25231000", "grey"): "2523100090",
    ("25239000", "white"): "2523900010",
    ("25239000", "grey"): "2523900090",
    ("25070080", "calcined"): "2507008080",
}


def _number(raw: str, locator: str, field_name: str, decimal_comma: bool = False) -> Decimal | None:
    raw = raw.strip()
    if raw in ("", "-", "–", "N/A"):
        return None
    if decimal_comma:
        raw = raw.replace(",", ".")
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ReferenceDataError(f"{locator}, field {field_name!r}: not a number (value: {raw!r})") from None


def file_version(path: Path) -> str:
    return f"{path.name}#{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"


def read_defaults_2026_1740(path: Path) -> dict[str, dict[str, DefaultRow]]:
    """Tables keyed by ISO-3 (the fallback table as "OTHER"), rows keyed by the CN/TARIC digits."""
    expected = (
        "country_or_territory", "country_iso3", "good_key", "default_direct_t_co2e_per_t",
        "default_indirect_t_co2e_per_t", "default_total_t_co2e_per_t", "production_route_code",
    )
    tables: dict[str, dict[str, DefaultRow]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != expected:
            raise ReferenceDataError(f"{path}: expected columns {expected}, found {reader.fieldnames}")
        for number, record in enumerate(reader, start=2):
            locator = f"{path.name}, row {number}"
            name = record["country_or_territory"]
            table = FALLBACK_TABLE if name in OTHER_NAMES else record["country_iso3"]
            if not table:
                raise ReferenceDataError(f"{locator}, field 'country_iso3': empty for {name!r}")
            key, _, slug = record["good_key"].partition("-")
            if not key.isdigit():
                raise ReferenceDataError(f"{locator}, field 'good_key': no CN digits (value: {record['good_key']!r})")
            tables.setdefault(table, {})[key] = DefaultRow(
                table=table,
                cn_key=key,
                description=slug.replace("-", " "),
                direct=_number(record["default_direct_t_co2e_per_t"], locator, "direct"),
                indirect=_number(record["default_indirect_t_co2e_per_t"], locator, "indirect"),
                total=_number(record["default_total_t_co2e_per_t"], locator, "total"),
                route=record["production_route_code"].strip(),
                source=f"IR (EU) 2025/2621 Annex I as replaced by IR (EU) 2026/1740 ({locator})",
                locator=locator,
            )
    return tables


def read_defaults_all_countries(path: Path) -> dict[str, dict[str, DefaultRow]]:
    """Tables keyed by the country name of the workbook (fallback table as "OTHER")."""
    tables: dict[str, dict[str, DefaultRow]] = {}
    with path.open(encoding="latin-1", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader, None)
        if not header or header[0] != "Country" or len(header) != 11:
            raise ReferenceDataError(f"{path}: not the all-country default-value export (header {header!r})")
        for number, record in enumerate(reader, start=2):
            locator = f"{path.name}, row {number}"
            if len(record) != 11:
                raise ReferenceDataError(f"{locator}: expected 11 fields, found {len(record)}")
            name, _sector, code, description = record[0], record[1], record[2].strip(), record[3]
            table = FALLBACK_TABLE if name in OTHER_NAMES else name
            lowered = description.lower()
            for (base, word), taric in _TARIC_BY_DESCRIPTION.items():
                if code == base and word in lowered:
                    code = taric
                    break
            route_match = _ROUTE_CELL.match(record[10].strip())
            tables.setdefault(table, {})[code] = DefaultRow(
                table=table,
                cn_key=code,
                description=description,
                direct=_number(record[4], locator, "direct"),
                indirect=_number(record[5], locator, "indirect"),
                total=_number(record[6], locator, "total"),
                route=route_match.group(1) if route_match else "",
                source=f"IR (EU) 2025/2621 Annex I as published 31.12.2025, workbook v20260204 ({locator})",
                locator=locator,
            )
    return tables


def read_benchmarks_column_b(path: Path) -> dict[str, list[BenchmarkRow]]:
    benchmarks: dict[str, list[BenchmarkRow]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            locator = f"{path.name}, line {number}"
            if number == 1 or line == ";" or not line[:1].isdigit():
                continue  # header, blank separators, sector banners ("Iron & Steel;")
            match = _BENCHMARK_LINE.match(line)
            if match is None:
                raise ReferenceDataError(f"{locator}: not 'CN8;value (route)(period)' (value: {line!r})")
            cn8, value, route, period = match.groups()
            benchmarks.setdefault(cn8, []).append(
                BenchmarkRow(
                    cn8=cn8,
                    value=Decimal(value.replace(",", ".")),
                    route=route,
                    period=period,
                    source=f"IR (EU) 2025/2620 Annex point 5.3, Column B ({locator})",
                    locator=locator,
                )
            )
    return benchmarks


def reference_from_commission(
    defaults_path: Path, benchmarks_path: Path, countries: dict[str, str] | None = None
) -> ReferenceData:
    """ReferenceData from the 2026/1740 default-value file and the Column B file.

    `countries` maps ISO-2 codes to the file's ISO-3 table ids; default: every ISO-3 table present
    with China as CN (add others as needed).
    """
    defaults = read_defaults_2026_1740(defaults_path)
    return ReferenceData(
        defaults=defaults,
        benchmarks=read_benchmarks_column_b(benchmarks_path),
        countries=countries if countries is not None else ({"CN": "CHN"} if "CHN" in defaults else {}),
        version_ids={
            "default_values": file_version(defaults_path),
            "benchmarks_column_b": file_version(benchmarks_path),
        },
    )
