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
from typing import Literal, Protocol, Sequence

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


class Benchmark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    kind: Literal["official", "registry"]
    value: Decimal
    n: int = Field(description="members used in the mean (after trimming); 0 for an official value")
    members: list[BenchmarkMember] = Field(default_factory=list, description="every valid member considered")
    dropped: list[str] = Field(default_factory=list, description="certificate ids trimmed (highest, lowest)")
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
    """
    seen: set[str] = set()
    for m in members:
        if m.certificate_id in seen:
            raise BenchmarkInvalid(f"benchmark {key}: certificate {m.certificate_id!r} listed twice")
        seen.add(m.certificate_id)
        if m.total_kgco2e <= 0:
            raise BenchmarkInvalid(f"benchmark {key}: certificate {m.certificate_id!r} has value {m.total_kgco2e}")
    valid = sorted(
        (m for m in members if m.issued <= cut_off <= m.valid_until),
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
    return Benchmark(
        key=key,
        kind="registry",
        value=mean,
        n=len(used),
        members=list(valid),
        dropped=dropped,
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
