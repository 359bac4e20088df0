"""Bad input: a clear error naming the line and the field, never a silent zero."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tariffs import exposure_report, read_lines_csv
from tariffs.errors import (
    AmbiguousPriorMass,
    CarbonPriceWithDefaults,
    LineInputError,
    MissingActualValue,
    TariffsError,
    UnknownCNCode,
)

GOOD = {"cn_code": "72083900", "country_of_origin": "CN", "net_mass_t": "100", "import_date": "2026-02-15"}


def _second_line_bad(**changes: object) -> list[dict]:
    return [GOOD, {**GOOD, **changes}]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"cn_code": "7208"}, UnknownCNCode, "cn_code"),
        ({"cn_code": "72A83900"}, UnknownCNCode, "cn_code"),
        ({"cn_code": "72089999"}, UnknownCNCode, "cn_code"),  # inside the 7208 heading, not a CN code
        ({"cn_code": "25231000"}, UnknownCNCode, "cn_code"),  # split by TARIC (white / grey clinker)
        ({"cn_code": "25070080"}, UnknownCNCode, "cn_code"),  # only calcined clay 2507 00 80 80 in scope
        ({"import_date": "2026-13-01"}, LineInputError, "import_date"),
        ({"import_date": "15/02/2026"}, LineInputError, "import_date"),
        ({"import_date": "2025-12-31"}, LineInputError, "import_date"),
        ({"net_mass_t": "-5"}, LineInputError, "net_mass_t"),
        ({"net_mass_t": "0"}, LineInputError, "net_mass_t"),
        ({"net_mass_t": "ten"}, LineInputError, "net_mass_t"),
        ({"data_basis": "ACTUAL"}, MissingActualValue, "actual_see_t_per_t"),
        ({"actual_see_t_per_t": "2.0"}, LineInputError, "actual_see_t_per_t"),
        ({"carbon_price_paid_eur_per_t_good": "5"}, CarbonPriceWithDefaults, "carbon_price_paid_eur_per_t_good"),
        ({"data_basis": "GUESS"}, LineInputError, "data_basis"),
        ({"country_of_origin": "China"}, LineInputError, "country_of_origin"),
        ({"production_route": "Z"}, LineInputError, "production_route"),
        ({"production_route": "E"}, LineInputError, "production_route"),  # default path: route of the row (C)
        ({"data_basis": "DERIVED"}, LineInputError, "bom_ref"),
        ({"colour": "red"}, LineInputError, "colour"),
    ],
)
def test_bad_line_names_line_and_field(changes: dict, error: type[Exception], field: str) -> None:
    with pytest.raises(error) as caught:
        exposure_report(_second_line_bad(**changes), importer="IMP")
    assert caught.value.line == 2 and caught.value.field == field  # type: ignore[attr-defined]
    message = str(caught.value)
    assert "line 2" in message and repr(field) in message


def test_csv_errors_carry_the_file_line(tmp_path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "cn_code,country_of_origin,net_mass_t,import_date,data_basis\n"
        "72083900,CN,100,2026-02-15,DEFAULT\n"
        "\n"
        "72083900,CN,-3,2026-02-15,DEFAULT\n",
        encoding="utf-8",
    )
    with pytest.raises(LineInputError, match=r"lines\.csv, line 4, field 'net_mass_t': must not be negative \(value: '-3'\)"):
        read_lines_csv(path)


def test_csv_missing_column_and_extra_fields() -> None:
    with pytest.raises(LineInputError, match="line 1, field 'import_date': missing column"):
        read_lines_csv("cn_code,country_of_origin,net_mass_t\n72083900,CN,1\n")
    with pytest.raises(LineInputError, match="line 2: more fields than header columns"):
        read_lines_csv("cn_code,country_of_origin,net_mass_t,import_date\n72083900,CN,1,2026-01-05,x\n")


def test_country_without_a_loaded_table_is_an_error_not_a_fallback() -> None:
    with pytest.raises(LineInputError, match="line 1, field 'cn_code'.*no default-value table for country 'VN'"):
        exposure_report([{**GOOD, "country_of_origin": "VN"}])


def test_prior_mass_is_ambiguous_across_years_or_importers() -> None:
    lines = [GOOD, {**GOOD, "import_date": "2027-03-01"}]
    with pytest.raises(AmbiguousPriorMass, match="span the years 2026, 2027"):
        exposure_report(lines, importer="IMP", prior_mass_t=Decimal(10))
    two_importers = [{**GOOD, "importer_id": "A"}, {**GOOD, "importer_id": "B"}]
    with pytest.raises(AmbiguousPriorMass, match="needs --importer"):
        exposure_report(two_importers, prior_mass_t=Decimal(10))


def test_every_error_is_a_tariffs_error() -> None:
    assert issubclass(UnknownCNCode, TariffsError) and issubclass(AmbiguousPriorMass, TariffsError)
