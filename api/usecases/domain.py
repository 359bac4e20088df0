"""The one door from the service to the domain packages (lcidb, footprint, labels, tariffs).

Routes never import the domain directly: they call a `Domain`, so the service's own tests can run
the HTTP workflow with a small stand-in while the real engine stays the default. Everything here
is synchronous CPU work; callers run it off the event loop.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from footprint.result import FootprintResult


class GradeOutcome(BaseModel):
    """What the label rules decided for one footprint under one scheme, on one date."""

    model_config = ConfigDict(extra="forbid")

    scheme: str
    eligible: bool
    tier: str | None = None
    grade: str | None = None
    label: dict[str, str] = Field(default_factory=dict)  # "zh-CN" / "zh-TW" / "en" -> label text
    # T2's reduction (labels.decision.Reduction as JSON: percent, base_year, base_period, re-baselined previous
    # value, ...) so the certificate document and the on-pack label carry it as a field, not only inside a text
    reduction: dict[str, Any] | None = None
    neutral_claim: dict[str, str] = Field(default_factory=dict)  # T4: what was offset and how, same languages
    rule_set_version: str
    validity_days: int
    surveillance_interval_days: int
    surveillance_grace_days: int
    reasons: list[str] = Field(default_factory=list)
    explanation: dict[str, Any] = Field(default_factory=dict)


class CertifiedFootprint(BaseModel):
    """One certificate valid on the asked date, as the benchmark registry sees it."""

    model_config = ConfigDict(extra="forbid")

    certificate_number: str
    total_kgco2e: float
    issued: date
    valid_until: date
    # shown beside each benchmark member (issue 10): what the comparison is made of
    scheme: str | None = None
    boundary: str | None = None
    method: str | None = None
    verifier: str | None = None


class BenchmarkSource(Protocol):
    """The certificate registry: certificates valid on `on` whose benchmark key is `key`."""

    def members(self, key: str, on: date) -> list[CertifiedFootprint]: ...


class Domain(Protocol):
    def schemes(self) -> list[str]: ...

    def read_bom(self, path: Path, product_path: Path | None = None) -> dict[str, Any]:
        """Parse an uploaded BOM file (JSON/CSV/XLSX) into its JSON form; InvalidInput names the line.

        A CSV BOM carries only lines; its product comes from `product_path` (JSON)."""

    def compute(
        self,
        bom: dict[str, Any],
        *,
        method: str,
        electricity: str,
        monte_carlo: int | None,
        seed: int | None,
        scenario: str | None = None,
        samples: bool = False,
    ) -> FootprintResult:
        """`scenario`: an overlay of the snapshot (e.g. gd-2030-targets); `samples`: keep the Monte Carlo draws."""

    def benchmark_key(self, footprint: FootprintResult) -> str:
        """The key under which the rules compare like with like (product rule or category + unit)."""

    def grade(
        self,
        footprint: FootprintResult,
        *,
        evidence: dict[str, Any],
        scheme: str,
        on: date,
        benchmarks: BenchmarkSource,
    ) -> GradeOutcome: ...

    def recognise(
        self, certificate: dict[str, Any], *, target: str, on: date, benchmarks: BenchmarkSource
    ) -> dict[str, Any]:
        """Mutual recognition of another scheme's certificate by `target` (labels.recognise), as JSON."""

    def cbam_exposure(
        self,
        lines: list[dict[str, Any]],
        *,
        importer: str | None,
        prior_mass_t: Decimal | None,
        projection: bool,
        obligations: bool = False,
    ) -> Any:
        """The tariffs exposure report (a pydantic model); InvalidInput names the line and field."""

    def cbam_pdf(self, report: Any) -> bytes: ...

    def cbam_portfolio(
        self, lines: list[dict[str, Any]] | Path, *, projection: bool, obligations: bool,
        certificate_price_eur: Decimal | None = None,
    ) -> Any:
        """A trade office's portfolio (tariffs.portfolio.Portfolio) of JSON lines or a .csv/.xlsx file;
        `certificate_price_eur` (a price scenario) replaces the certificate price of every EU line."""

    def cbam_portfolio_pdf(self, portfolio: Any) -> bytes: ...

    def cbam_xlsx(self, report: Any, portfolio: Any = None) -> bytes: ...

    def cbam_indicative(self, bom: dict[str, Any], footprint: dict[str, Any], on: date) -> dict[str, Any] | None:
        """Indicative (DERIVED, not declarable) EU CBAM exposure per tonne of a certified product, as JSON;
        None when the product is not a CBAM good with cbam_role lines; {"status": "UNAVAILABLE", ...} when
        its BOM and footprint cannot be mapped."""
