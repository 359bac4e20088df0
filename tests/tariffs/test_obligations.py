"""EU obligations over time: quarterly holding, purchases, surrender, 2026 certificates, shortfalls."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tariffs import exposure_report
from tariffs.errors import LineInputError

HRC = {"cn_code": "72083900", "country_of_origin": "CN"}
TWO_IMPORTERS = [
    {**HRC, "importer_id": "A", "net_mass_t": "30", "import_date": "2027-02-10"},
    {**HRC, "importer_id": "A", "net_mass_t": "20", "import_date": "2027-Q2"},
    {**HRC, "importer_id": "A", "net_mass_t": "10", "import_date": "2027-11-20"},
    {**HRC, "importer_id": "B", "net_mass_t": "60", "import_date": "2026-05-10"},
    {**HRC, "importer_id": "B", "net_mass_t": "55", "import_date": "2027-08-01",
     "data_basis": "ACTUAL", "actual_see_t_per_t": "2.00"},
]


def _by_importer(report):  # type: ignore[no-untyped-def]
    return {i.importer_id: i for i in report.obligations.importers}


def test_two_importers_four_quarters_by_hand() -> None:
    """Hot-rolled coil 7208 from China. Holding basis 2027: default 3.187 t/t WITHOUT mark-up, minus
    SEFA 0.95 x 1.0 x 1.370 = 1.3015 -> 1.8855 t per t; 50 % of it is held at each quarter end.

    Importer A (60 t in 2027, liable): Q1 30 t -> 56.565, required 28.2825, buys 29 (held 29);
    Q2 +20 t (given as "2027-Q2") -> 94.275, required 47.1375, buys ceil(18.1375) = 19 (held 48);
    Q3 nothing new, 48 >= 47.1375, buys 0; Q4 +10 t -> 113.13, required 56.565, buys 9 (held 57).
    Surrender 30 Sep 2028 of 2027 goods on the declared basis WITH the 20 % mark-up:
    60 x (3.187 x 1.2 - 1.3015) = 60 x 2.5229 = 151.374; buys ceil(151.374 - 57) = 95.

    Importer B: 2026: 60 t on 10 May 2026 (Q2 price 75.28): 60 x (3.5057 - 1.33575) = 130.197
    certificates, bought whole in Sep 2027 (131), 131 x 75.28 = 9,861.68 EUR in every scenario;
    excess 0.803 repurchasable until 31 Oct 2027 for 0.803 x 75.28 = 60.45, cancelled 1 Nov 2027.
    2027: 55 t ACTUAL (SEE 2.00) imported in Q3: the holding still uses default values without
    mark-up: 55 x 1.8855 = 103.7025, required 51.85125, buys 52 at the end of Q3 (the 2026
    certificates do not count). Last year's declared value (3.5057 incl. mark-up) is higher than
    3.187, so the default basis stays. Surrender 2027: 55 x (2.00 - 1.3015) = 38.4175 <= 52 held.

    Cash at 75 EUR: Mar 2027 29 x 75 = 2,175; Jun 19 x 75 = 1,425; Sep 2027 9,861.68 + 52 x 75 =
    13,761.68; Dec 9 x 75 = 675; Sep 2028 95 x 75 = 7,125; cumulative 25,161.68."""
    report = exposure_report(TWO_IMPORTERS, obligations=True)
    importers = _by_importer(report)
    a, b = importers["A"], importers["B"]
    assert [(q.quarter, q.required_t, q.purchased, q.held_after_t) for q in a.quarters] == [
        ("2027-Q1", Decimal("28.2825"), 29, Decimal(29)),
        ("2027-Q2", Decimal("47.1375"), 19, Decimal(48)),
        ("2027-Q3", Decimal("47.1375"), 0, Decimal(48)),
        ("2027-Q4", Decimal("56.565"), 9, Decimal(57)),
    ]
    assert all(h.basis == "DEFAULT_NO_MARKUP" and h.basis_t_per_t == Decimal("3.187") for h in a.holding_lines)
    (surrender_a,) = a.surrenders
    assert (surrender_a.deadline, surrender_a.certificates_due_t, surrender_a.purchased) == (
        date(2028, 9, 30), Decimal("151.374"), 95)
    assert [(q.quarter, q.required_t, q.purchased) for q in b.quarters][2:] == [
        ("2027-Q3", Decimal("51.85125"), 52), ("2027-Q4", Decimal("51.85125"), 0)]
    vintage = b.vintage_2026
    assert vintage is not None
    assert (vintage.certificates_due_t, vintage.bought, vintage.cost_eur) == (Decimal("130.197"), 131, Decimal("9861.68"))
    assert (vintage.excess_t, vintage.repurchase_value_eur) == (Decimal("0.803"), Decimal("60.45"))
    assert (vintage.repurchase_until, vintage.cancelled_on) == (date(2027, 10, 31), date(2027, 11, 1))
    assert [s.surrendered_t for s in b.surrenders] == [Decimal("130.197"), Decimal("38.4175")]
    assert b.surrenders[1].purchased == 0
    monthly = {m.month: m for m in report.obligations.monthly}
    assert list(monthly) == ["2027-03", "2027-06", "2027-09", "2027-12", "2028-09"]
    assert monthly["2027-09"].cost_eur["75"] == Decimal("13761.68")
    assert monthly["2027-09"].cost_eur["130"] == Decimal("9861.68") + 52 * 130
    assert monthly["2028-09"].cumulative_eur["75"] == Decimal("25161.68")
    assert report.obligations.total_penalty_eur == 0
    assert not any(i.flags for i in report.obligations.importers)  # no shortfall, no penalty charged


def test_plan_short_of_the_holding_is_flagged_and_a_missed_surrender_costs_the_penalty() -> None:
    """Importer A buys only 20 in Mar 2027 and 100 in Sep 2028: Q1 requires 28.2825 -> shortfall
    8.2825 (flagged); Q2 requires 47.1375 -> 27.1375; ... at the surrender of 151.374 it holds
    120 -> 31.374 not surrendered x EUR 100 (Art. 26(1) base penalty, not indexed) = 3,137.40."""
    plan = {"A": {"2027-03": 20, "2028-09": 100}}
    report = exposure_report(TWO_IMPORTERS[:3], obligations=True, purchase_plan=plan)
    (a,) = report.obligations.importers
    assert [q.shortfall_t for q in a.quarters] == [Decimal("8.2825"), Decimal("27.1375"), Decimal("27.1375"),
                                                 Decimal("36.565")]
    assert a.quarters[0].flags == ["HOLDING_SHORTFALL"]
    (surrender,) = a.surrenders
    assert (surrender.shortfall_t, surrender.penalty_eur) == (Decimal("31.374"), Decimal("3137.40"))
    assert set(a.flags) == {"HOLDING_SHORTFALL", "SURRENDER_SHORTFALL", "PENALTY_NOT_INDEXED"}
    assert report.obligations.monthly[-1].penalty_eur == Decimal("3137.40")
    with pytest.raises(LineInputError, match="certificates are sold from 2027-02-01"):
        exposure_report(TWO_IMPORTERS[:3], purchase_plan={"A": {"2027-01": 5}})


def test_last_years_declared_value_is_the_holding_basis_where_lower() -> None:
    """A verified 2.00 t/t declared for 2027 (same importer, CN, origin) is lower than the default
    3.187: in 2028 the holding uses it. SEFA 2028 = 0.90 x 1.370 = 1.233; 60 t x (2.00 - 1.233)
    = 46.02; 50 % -> 23.01 required at the end of 2028-Q1."""
    lines = [
        {**HRC, "importer_id": "A", "net_mass_t": "60", "import_date": "2027-03-01",
         "data_basis": "ACTUAL", "actual_see_t_per_t": "2.00"},
        {**HRC, "importer_id": "A", "net_mass_t": "60", "import_date": "2028-03-01"},
    ]
    (a,) = exposure_report(lines, obligations=True).obligations.importers
    holding_2028 = [h for h in a.holding_lines if h.quarter == "2028-Q1"][0]
    assert holding_2028.basis == "PRIOR_YEAR_DECLARED" and holding_2028.basis_t_per_t == Decimal("2")
    assert [q.required_t for q in a.quarters if q.quarter == "2028-Q1"] == [Decimal("23.01")]


def test_exempt_importer_and_uk_lines_hold_nothing() -> None:
    lines = [{**HRC, "importer_id": "SMALL", "net_mass_t": "40", "import_date": "2027-02-10"},
             {**HRC, "importer_id": "UK1", "regime": "UK", "net_mass_t": "100", "import_date": "2027-02-10",
              "customs_value_gbp": "90000"}]
    obligations = exposure_report(lines, obligations=True).obligations
    assert [i.importer_id for i in obligations.importers] == ["SMALL"]
    assert all(q.required_t == 0 for q in obligations.importers[0].quarters)
    assert obligations.monthly == []


def test_quarter_given_instead_of_a_date() -> None:
    report = exposure_report([{**HRC, "net_mass_t": "100", "import_date": "2026-q3"}], importer="IMP")
    line = report.lines[0]
    assert (line.import_date, line.import_quarter) == (date(2026, 7, 1), "2026-Q3")
    with pytest.raises(LineInputError, match="YYYY-Qn"):
        exposure_report([{**HRC, "net_mass_t": "1", "import_date": "2026-Q5"}], importer="IMP")


def test_without_a_default_value_the_lines_own_value_is_the_holding_basis() -> None:
    """A verified line from a country without a loaded default table (US): SEE 2.0, operator SEFA
    1.0; 60 t in 2027-Q1 -> holding base 60 x (2.0 - 1.0) = 60, required 30 (noted)."""
    line = {**HRC, "country_of_origin": "US", "importer_id": "A", "net_mass_t": "60", "import_date": "2027-02-01",
            "data_basis": "ACTUAL", "actual_see_t_per_t": "2.0", "actual_sefa_t_per_t": "1.0"}
    (a,) = exposure_report([line], obligations=True).obligations.importers
    assert a.holding_lines[0].basis == "DECLARED_VALUE"
    assert a.quarters[0].required_t == Decimal(30)
    assert any("own declared value" in note for note in a.notes)
