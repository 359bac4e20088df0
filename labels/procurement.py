"""The procurement question "does a certificate hold at least grade G?" (neutral-finance.md §5 feature 8), pure.

What a certificate holds is its top `tier` and its T3 `grade` (a decision sets the grade whenever T3 was
granted, also under a T4 tier). What implies what follows labels.md P2: every tier needs the gate, so any
label is at least T1; T4 needs T2 in the same cycle; T3 grades order by their benchmark factor (the smaller,
the better: A 0.70 < B 0.85 < C 1.00), read from the rule-set version that issued the certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from labels.errors import InputInvalid

TIERS_IMPLIED = {"T1": {"T1"}, "T2": {"T1", "T2"}, "T3": {"T1", "T3"}, "T4": {"T1", "T2", "T4"}}


@dataclass(frozen=True)
class GradeCheck:
    meets: bool
    reason: str


def at_least(tier: str | None, grade: str | None, wanted: str, grades: dict[str, Decimal]) -> GradeCheck:
    """`wanted`: a tier (T1, T2, T3, T4) or a T3 grade (`A` or `T3-A`); `grades`: grade -> benchmark factor."""
    if tier is None:
        return GradeCheck(False, "no label")
    held = set(TIERS_IMPLIED.get(tier, set()))
    if grade is not None:
        held.add("T3")
    target = wanted.removeprefix("T3-") if wanted.startswith("T3-") else wanted
    if target in TIERS_IMPLIED:
        ok = target in held
        shown = f"{tier}" + (f" grade {grade}" if grade else "")
        return GradeCheck(ok, f"certificate holds {shown}, which " + ("includes" if ok else "does not include")
                          + f" {target}")
    if target not in grades:
        raise InputInvalid(f"grade {wanted!r} is not a tier (T1..T4) nor a grade of this rule set "
                           f"({', '.join(sorted(grades))})")
    if grade is None:
        return GradeCheck(False, f"certificate holds {tier} without a T3 grade; {target} asked")
    if grade not in grades:
        return GradeCheck(False, f"certificate grade {grade!r} is not a grade of its rule set")
    ok = grades[grade] <= grades[target]
    return GradeCheck(ok, f"grade {grade} (<= {grades[grade]} x benchmark) is " + ("at least" if ok else "below")
                      + f" grade {target} (<= {grades[target]} x benchmark)")
