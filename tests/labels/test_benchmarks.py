"""Benchmark derivation: validity filter, minimum size, trimming, exact mean, reproducible hash."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from labels import BenchmarkMember, CatalogueEditions, derive_benchmark
from labels.errors import BenchmarkInvalid
from labels.params import BenchmarkPolicy

POLICY = BenchmarkPolicy(min_members=5, trim_from=10)


def _m(i: int, value: str, valid_until: date = date(2027, 1, 1)) -> BenchmarkMember:
    return BenchmarkMember(certificate_id=f"C{i}", total_kgco2e=Decimal(value), issued=date(2025, 1, 1),
                           valid_until=valid_until)


def test_mean_is_exact_decimal() -> None:
    # (1 + 2 + 2 + 2 + 3.3) / 5 = 10.3 / 5 = 2.06 exactly
    b = derive_benchmark([_m(1, "1"), _m(2, "2"), _m(3, "2"), _m(4, "2"), _m(5, "3.3")], date(2026, 1, 1),
                         policy=POLICY, key="k")
    assert b is not None and b.value == Decimal("2.06") and b.n == 5 and b.dropped == []


def test_members_expired_on_the_cut_off_do_not_count() -> None:
    members = [_m(i, "10") for i in range(4)] + [_m(9, "10", valid_until=date(2025, 12, 31))]
    assert derive_benchmark(members, date(2026, 1, 1), policy=POLICY, key="k") is None
    # the day before, the fifth is still valid (inclusive)
    assert derive_benchmark(members, date(2025, 12, 31), policy=POLICY, key="k") is not None


def test_hash_depends_on_members_and_cut_off_not_on_order() -> None:
    members = [_m(i, str(10 + i)) for i in range(6)]
    a = derive_benchmark(members, date(2026, 1, 1), policy=POLICY, key="k")
    b = derive_benchmark(list(reversed(members)), date(2026, 1, 1), policy=POLICY, key="k")
    c = derive_benchmark(members, date(2026, 1, 2), policy=POLICY, key="k")
    assert a is not None and b is not None and c is not None
    assert a.hash == b.hash and a.hash != c.hash and len(a.hash) == 64


def test_duplicate_member_is_an_error() -> None:
    with pytest.raises(BenchmarkInvalid, match="'C1' listed twice"):
        derive_benchmark([_m(1, "1"), _m(1, "2")], date(2026, 1, 1), policy=POLICY, key="k")


def test_catalogue_editions_take_the_latest_published_year() -> None:
    class Act:
        def __init__(self, source: str, year: int, published: date | None):
            self.source, self.year, self.published = source, year, published

    cat = CatalogueEditions([Act("DESNZ", 2023, date(2023, 6, 20)), Act("DESNZ", 2024, date(2024, 7, 8))])
    assert cat.latest_year("DESNZ", date(2024, 7, 7)) == 2023
    assert cat.latest_year("DESNZ", date(2024, 7, 8)) == 2024
    assert cat.latest_year("other", date(2024, 7, 8)) is None


def test_grades_are_decided_exactly_even_when_the_mean_does_not_terminate() -> None:
    from labels import evaluate
    from tests.labels.factory import default_evidence, footprint, registry

    # members 66, 66, 67, 67, 67, 67: sum 400, n 6, mean 66.666... (never terminates).
    # total = 66.(50 sixes)7 is above 400/6 by 1/3 x 10^-51: 6 x total = 400 + 2 x 10^-51 > 400 -> not grade C.
    # Comparing with the mean rounded to 50 digits (66.6...67) would wrongly pass it.
    above = "66." + "6" * 50 + "7"
    members = ["66", "66", "67", "67", "67", "67"]
    d = evaluate(footprint(), default_evidence(), "gd-carbon-label", date(2026, 6, 1), registry(members))
    assert d.benchmark is not None and d.benchmark.divisor == 6 and str(d.benchmark.sum_kgco2e) == "400"
    assert d.benchmark.within(Decimal(above), Decimal("1.00")) is False
    assert d.benchmark.within(Decimal("66." + "6" * 60), Decimal("1.00")) is True  # just below 400/6
    assert d.benchmark.limit(Decimal("1.00")) == Decimal("66.666666666666666666666666666666666666666666666667")


def test_long_products_are_not_rounded_to_28_digits() -> None:
    from labels.numbers import exact

    a, b = Decimal("0.5081234567890123"), Decimal("2.0381248632614306")
    with exact():
        product = a * b
    # independent: integer multiplication of the digits, then 16 + 16 decimal places
    assert product == Decimal(f"{5081234567890123 * 20381248632614306}E-32")
    assert len(product.as_tuple().digits) > 28  # more digits than the default context would keep


def test_a_member_that_could_not_pass_todays_gate_is_skipped_with_its_reason() -> None:
    """Issue 9: a -998 certificate, one whose emissions are 0 and one whose credits exceed its emissions are
    left out with a reason; the five good ones give (10 + 11 + 12 + 13 + 14) / 5 = 12."""
    good = [_m(i, str(10 + i)) for i in range(5)]
    bad = [_m(7, "-998"),
           BenchmarkMember(certificate_id="C8", total_kgco2e=Decimal("5"), emissions_kgco2e=Decimal("0"),
                           issued=date(2025, 1, 1), valid_until=date(2027, 1, 1)),
           BenchmarkMember(certificate_id="C9", total_kgco2e=Decimal("1"), emissions_kgco2e=Decimal("10"),
                           credits_kgco2e=Decimal("-10.5"), issued=date(2025, 1, 1), valid_until=date(2027, 1, 1))]
    b = derive_benchmark(good + bad, date(2026, 1, 1), policy=POLICY, key="k")
    assert b is not None and str(b.value) == "12" and b.n == 5
    reasons = {s.certificate_id: s.reason for s in b.skipped}
    assert sorted(reasons) == ["C7", "C8", "C9"]
    assert "<= 0" in reasons["C7"] and "<= 0" in reasons["C8"] and "exceed" in reasons["C9"]
    assert (str(b.min_kgco2e), str(b.max_kgco2e)) == ("10", "14")
    assert "skipped: C7" in b.spread_text()
    # the skipped members are part of the recorded benchmark (its hash changes with them)
    assert b.hash != derive_benchmark(good, date(2026, 1, 1), policy=POLICY, key="k").hash
