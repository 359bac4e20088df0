"""What a label scheme asks for, in figures a reader can follow: read from the dated rule sets.

The web page per scheme puts these figures into plain sentences; every figure comes from the rule
set in force on the asked date (data/rules/), with the rule path it came from, never from code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from api.errors import NotFound
from labels import list_schemes, load_rule_set

TIERS = ("T1", "T2", "T3", "T4")


@dataclass(frozen=True)
class SchemeSummary:
    id: str
    kind: str  # graded | recognition_only | display_only
    status: str  # in_force | proposal
    names: dict[str, str]  # zh-Hans / zh-Hant / en
    version: str | None
    effective_from: date | None


@dataclass(frozen=True)
class TierGuide:
    tier: str
    names: dict[str, str]
    validity_months: int | None
    surveillance_months: int | None
    min_primary_data_share: Decimal | None = None  # T2, T3
    reduction_factor: Decimal | None = None  # T2: new PCF <= factor x previous certified PCF
    grades: dict[str, Decimal] = field(default_factory=dict)  # T3: grade -> factor of the benchmark
    grade_names: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SchemeGuide:
    summary: SchemeSummary
    rule_set_sha256: str
    tiers: list[TierGuide]
    gate_primary_data_share: Decimal | None
    gate_cutoff_single_max: Decimal | None
    gate_cutoff_total_max: Decimal | None
    gate_dqr_max: Decimal | None
    benchmark_min_members: int | None
    accepted_standards: list[str]
    sources: dict[str, str]


def _summary(info: Any) -> SchemeSummary:
    return SchemeSummary(
        id=info.id,
        kind=info.kind,
        status=info.status,
        names=dict(info.names),
        version=info.version,
        effective_from=info.effective_from,
    )


def schemes(on: date) -> list[SchemeSummary]:
    """Every scheme the rules know, graded ones first, with the version in force on `on`."""
    order = {"graded": 0, "display_only": 1, "recognition_only": 2}
    return sorted((_summary(info) for info in list_schemes(on)), key=lambda s: (order.get(s.kind, 3), s.id))


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _dig(tree: dict[str, Any], path: str) -> Any:
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def guide(scheme: str, on: date) -> SchemeGuide:
    """The figures of `scheme` in force on `on`; NotFound when no rule set of that name is in force."""
    summary = next((s for s in schemes(on) if s.id == scheme and s.version is not None), None)
    if summary is None:
        raise NotFound(f"no label scheme {scheme!r} in force on {on.isoformat()}")
    rule_set = load_rule_set(scheme, on)
    tree, _provenance = rule_set.params(on)
    tiers = []
    tier_names = _dig(tree, "label.tier_names") or {}
    grade_names = _dig(tree, "label.grade_names") or {}
    for tier in TIERS:
        if not _dig(tree, f"tiers.{tier}.enabled"):
            continue
        grades = _dig(tree, f"tiers.{tier}.grades") or {}
        tiers.append(
            TierGuide(
                tier=tier,
                names=dict(tier_names.get(tier) or {}),
                validity_months=_dig(tree, f"validity.{tier}.months"),
                surveillance_months=_dig(tree, f"validity.{tier}.surveillance_months"),
                min_primary_data_share=_decimal(_dig(tree, f"tiers.{tier}.min_primary_data_share")),
                reduction_factor=_decimal(_dig(tree, f"tiers.{tier}.reduction_factor")),
                grades={grade: Decimal(str(factor)) for grade, factor in grades.items()},
                grade_names={grade: dict(grade_names.get(grade) or {}) for grade in grades},
            )
        )
    standards = _dig(tree, "gate.method.standards") or _dig(tree, "standards.accepted") or _dig(tree, "standards") or []
    return SchemeGuide(
        summary=summary,
        rule_set_sha256=rule_set.sha256,
        tiers=tiers,
        gate_primary_data_share=_decimal(_dig(tree, "gate.primary_data.min_share")),
        gate_cutoff_single_max=_decimal(_dig(tree, "gate.cutoff.single_max")),
        gate_cutoff_total_max=_decimal(_dig(tree, "gate.cutoff.total_max")),
        gate_dqr_max=_decimal(_dig(tree, "gate.dqr.weighted_mean_max")),
        benchmark_min_members=_dig(tree, "benchmarks.policy.min_members"),
        accepted_standards=[str(s) for s in standards] if isinstance(standards, list) else [],
        sources={str(k): str(v) for k, v in (rule_set.meta.get("sources") or {}).items()},
    )
