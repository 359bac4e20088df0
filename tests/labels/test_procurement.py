"""At least grade G (labels/procurement.py): grades A 0.70 < B 0.85 < C 1.00 of the shipped rule sets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from labels.errors import InputInvalid
from labels.evaluate import graded_rules
from labels.procurement import at_least
from labels.ruledata import load_rule_set

GRADES = graded_rules(load_rule_set("gd-carbon-label", date(2026, 6, 1)), date(2026, 6, 1))[0].tiers.T3.grades


def test_the_grades_come_from_the_rule_set() -> None:
    assert GRADES == {"A": Decimal("0.70"), "B": Decimal("0.85"), "C": Decimal("1.00")}


@pytest.mark.parametrize(("tier", "grade", "wanted", "meets"), [
    ("T3", "B", "C", True), ("T3", "B", "B", True), ("T3", "B", "T3-A", False), ("T3", "A", "A", True),
    ("T1", None, "C", False), ("T4", "B", "B", True),  # a T4 decision keeps the T3 grade it also granted
    ("T1", None, "T1", True), ("T2", None, "T1", True), ("T2", None, "T2", True), ("T3", "C", "T2", False),
    ("T4", None, "T2", True), ("T2", None, "T4", False), ("T4", None, "T4", True), (None, None, "T1", False),
])
def test_at_least(tier, grade, wanted, meets) -> None:
    assert at_least(tier, grade, wanted, GRADES).meets is meets


def test_an_unknown_grade_is_bad_input_naming_it() -> None:
    with pytest.raises(InputInvalid, match=r"grade .AA. is not a tier .*\(A, B, C\)"):
        at_least("T3", "A", "AA", GRADES)
