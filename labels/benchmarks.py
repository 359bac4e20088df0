"""Benchmarks for the low-carbon grades (T3): official values from the rule set, else derived from the registry.

`labels/` stays pure: the registry (the service's certificate store) is reached only through the
`BenchmarkProvider` protocol, which returns the members; the arithmetic lives here.
A benchmark is a versioned artefact (key, members, cut-off date, policy, hash) recorded in every
decision that used it, so a decision can be re-run.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from labels.errors import BenchmarkInvalid
from labels.numbers import DISPLAY, dec, exact, plain
from labels.params import BenchmarkPolicy, OfficialBenchmark


class BenchmarkMember(BaseModel):
    """One valid certified footprint of the same product rule (or category) and declared unit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    certificate_id: str
    total_kgco2e: Decimal
    issued: date
    valid_until: date
    # what a reader needs to judge the comparison (P2 T3: same product rule, unit; issue 10: boundary, method,
    # scheme, verifier); optional so registries that do not keep them still work
    scheme: str | None = None
    boundary: str | None = None
    method: str | None = None
    verifier: str | None = None
    # issue 9: when the registry keeps the split, a member whose emissions are <= 0 or whose credits exceed them
    # could not pass today's gate and is skipped
    emissions_kgco2e: Decimal | None = Field(default=None, description="without uptake, removals and credits")
    credits_kgco2e: Decimal | None = Field(default=None, description="credits netted in the total (<= 0)")


class SkippedMember(BaseModel):
    """A registry member left out of a benchmark, with the reason (it never blocks anyone else's decision)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    certificate_id: str
    reason: str


def member_problem(member: BenchmarkMember) -> str | None:
    """Why a member could not pass today's gate (issue 9: G0.emissions_positive, G0.credits_within_emissions),
    or None. A total <= 0 is never graded against a benchmark, so it never joins one either."""
    if member.emissions_kgco2e is not None and member.emissions_kgco2e <= 0:
        return f"emissions without uptake, removals and credits {plain(member.emissions_kgco2e)} kg CO2e <= 0"
    if (member.emissions_kgco2e is not None and member.credits_kgco2e is not None
            and -member.credits_kgco2e > member.emissions_kgco2e):
        return (f"credits {plain(-member.credits_kgco2e)} kg CO2e exceed the emissions "
                f"{plain(member.emissions_kgco2e)} kg CO2e")
    if member.total_kgco2e <= 0:
        return f"total {plain(member.total_kgco2e)} kg CO2e <= 0: reported, never graded against a benchmark"
    return None


class Benchmark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    kind: Literal["official", "registry"]
    value: Decimal
    n: int = Field(description="members used in the mean (after trimming); 0 for an official value")
    members: list[BenchmarkMember] = Field(default_factory=list, description="every valid member considered")
    dropped: list[str] = Field(default_factory=list, description="certificate ids trimmed (highest, lowest)")
    skipped: list[SkippedMember] = Field(default_factory=list, description="members left out, each with its reason")
    min_kgco2e: Decimal | None = Field(default=None, description="lowest member used (the spread)")
    max_kgco2e: Decimal | None = Field(default=None, description="highest member used (the spread)")
    cut_off: date
    policy: BenchmarkPolicy | None = None
    reference: str
    hash: str
    sum_kgco2e: Decimal = Field(description="sum of the members used (the official value for an official benchmark)")
    divisor: int = Field(ge=1, description="members used (1 for an official benchmark); value = sum / divisor")

    def within(self, total: Decimal, factor: Decimal) -> bool:
        """total <= factor x benchmark, decided exactly: total x divisor <= factor x sum (no division, no rounding)."""
        with exact():
            return total * self.divisor <= factor * self.sum_kgco2e

    def spread_text(self) -> str:
        """', spread 90 .. 110 kg CO2e; skipped: R7 (why)' for a registry benchmark; '' for an official one."""
        if self.min_kgco2e is None or self.max_kgco2e is None:
            return ""
        text = f", spread {plain(self.min_kgco2e)} .. {plain(self.max_kgco2e)} kg CO2e over {self.n} members"
        if self.skipped:
            text += "; skipped: " + "; ".join(f"{m.certificate_id} ({m.reason})" for m in self.skipped)
        return text

    def limit(self, factor: Decimal) -> Decimal:
        """factor x benchmark, for display and next steps (exact when the mean terminates, else 50 digits)."""
        with exact():
            scaled = factor * self.sum_kgco2e
        return DISPLAY.divide(scaled, Decimal(self.divisor))


class BenchmarkProvider(Protocol):
    """Supplies registry members for a key ("<product rule or category:...>|<amount> <unit>") on a date."""

    def members(self, key: str, on: date) -> Sequence[BenchmarkMember]: ...


class StaticBenchmarkProvider:
    """A provider over a fixed mapping key -> members (tests, CLI `--registry FILE`)."""

    def __init__(self, members_by_key: dict[str, Sequence[BenchmarkMember]]):
        self._members = {k: list(v) for k, v in members_by_key.items()}

    def members(self, key: str, on: date) -> Sequence[BenchmarkMember]:
        return self._members.get(key, [])

    @classmethod
    def replay(cls, benchmark: "Benchmark") -> "StaticBenchmarkProvider":
        """The members recorded in a decision's benchmark, to re-run that decision."""
        return cls({benchmark.key: benchmark.members})


def benchmark_key(product_rule: str | None, category: str, amount: float | Decimal, unit: str) -> str:
    subject = product_rule if product_rule else f"category:{category}"
    return f"{subject}|{plain(dec(amount).normalize())} {unit}"


def _hash(payload: dict) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def derive_benchmark(
    members: Sequence[BenchmarkMember], cut_off: date, *, policy: BenchmarkPolicy, key: str
) -> Benchmark | None:
    """Mean of the members valid on `cut_off`; None when fewer than `policy.min_members`.

    From `policy.trim_from` members on, the single highest and single lowest are dropped first.
    Members are validated as they join: one that could not pass today's gate (`member_problem`) is skipped
    with its reason, so one bad certificate never blocks another decision. A certificate listed twice is a
    fault of the provider (certificate ids are unique), not of a member: BenchmarkInvalid.
    """
    seen: set[str] = set()
    accepted: list[BenchmarkMember] = []
    skipped: list[SkippedMember] = []
    for m in members:
        if m.certificate_id in seen:
            raise BenchmarkInvalid(f"benchmark {key}: certificate {m.certificate_id!r} listed twice")
        seen.add(m.certificate_id)
        problem = member_problem(m)
        if problem is not None:
            skipped.append(SkippedMember(certificate_id=m.certificate_id, reason=problem))
        else:
            accepted.append(m)
    valid = sorted(
        (m for m in accepted if m.issued <= cut_off <= m.valid_until),
        key=lambda m: (m.total_kgco2e, m.certificate_id),
    )
    if len(valid) < policy.min_members:
        return None
    used, dropped = valid, []
    if len(valid) >= policy.trim_from:
        used = valid[1:-1]
        dropped = [valid[0].certificate_id, valid[-1].certificate_id]
    with exact():
        total = sum((m.total_kgco2e for m in used), Decimal(0))
    mean = DISPLAY.divide(total, Decimal(len(used)))  # shown; grades compare against total / n exactly
    payload = {
        "key": key,
        "cut_off": cut_off.isoformat(),
        "policy": policy.model_dump(),
        "members": [[m.certificate_id, plain(m.total_kgco2e), m.issued.isoformat(), m.valid_until.isoformat()] for m in valid],
    }
    if skipped:  # only then, so hashes of benchmarks without skipped members stay what they were
        payload["skipped"] = [[m.certificate_id, m.reason] for m in skipped]
    return Benchmark(
        key=key,
        kind="registry",
        value=mean,
        n=len(used),
        members=list(valid),
        dropped=dropped,
        skipped=skipped,
        min_kgco2e=used[0].total_kgco2e,
        max_kgco2e=used[-1].total_kgco2e,
        cut_off=cut_off,
        policy=policy,
        reference=f"mean of {len(used)} valid registry certificates on {cut_off.isoformat()}",
        hash=_hash(payload),
        sum_kgco2e=total,
        divisor=len(used),
    )


def official_benchmark(entry: OfficialBenchmark, on: date, citation: str) -> Benchmark:
    payload = {"key": entry.key, "value": plain(entry.value), "reference": entry.reference}
    return Benchmark(
        key=entry.key,
        kind="official",
        value=entry.value,
        n=0,
        cut_off=on,
        reference=f"{entry.reference} ({citation})",
        hash=_hash(payload),
        sum_kgco2e=entry.value,
        divisor=1,
    )
