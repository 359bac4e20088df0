"""The real domain: lcidb snapshots, the footprint engine, the label rules, the CBAM calculator.

The service's adapter over the use-case modules (catalogue, footprints, labelling, cbam_reports)
that the CLI calls too: it keeps the service's snapshot and turns domain errors into service errors.

Imports are lazy so the service starts (and its own tests run) without loading Brightway or the
rule data until a request needs them. Domain errors become InvalidInput (422) with the domain's
message, which already names the file, line, field and value.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from api.usecases.domain import BenchmarkSource, GradeOutcome
from api.errors import DomainUnavailable, InvalidInput
from footprint.result import FootprintResult

# Used only when a rule set's grant carries no grace period (labels.md P4 and the service issue:
# suspended when annual surveillance is more than 30 days overdue); the rule sets carry it as data.
FALLBACK_SURVEILLANCE_GRACE_DAYS = 30
LABEL_LANGUAGES = {"zh-CN": "zh_Hans", "zh-TW": "zh_Hant", "en": "en"}


def _public_source(message: str, folder: Path, filename: str) -> str:
    # the upload was written to a temporary folder: name the user's file, not our path
    return message.replace(str(folder / filename), filename).replace(str(folder), "")


def _located(exc: Exception) -> dict[str, Any]:
    """InvalidInput keyword arguments for a domain error: its stable code, line and field."""
    code = getattr(exc, "code", None) or "footprint.invalid"
    extra: dict[str, Any] = {}
    for name in ("line", "field", "line_id"):
        value = getattr(exc, name, None)
        if value is not None:
            extra[name] = value
    if getattr(exc, "line", None) is not None:
        extra["line_kind"] = getattr(exc, "line_kind", "index")
    return {"code": code, "extra": extra}


def _line_locator(exc: Exception) -> dict[str, Any]:
    return {name: getattr(exc, name) for name in ("line", "field") if getattr(exc, name, None) is not None}


class EngineDomain:
    def __init__(self, snapshot_ref: str = "default"):
        self.snapshot_ref = snapshot_ref
        self._snapshot: Any = None
        self._lock = threading.Lock()

    # ---- BOMs and footprints ----------------------------------------------------------------
    def read_bom(self, path: Path, product_path: Path | None = None) -> dict[str, Any]:
        from api.usecases.footprints import read_bom
        from footprint.errors import FootprintError

        try:
            bom = read_bom(path, product_path)
        except FootprintError as exc:
            raise InvalidInput(_public_source(str(exc), path.parent, path.name), **_located(exc)) from None
        return bom.model_dump(mode="json")

    def snapshot(self) -> Any:
        from api.usecases.catalogue import load
        from lcidb.errors import LcidbError

        with self._lock:
            if self._snapshot is None:
                try:
                    self._snapshot = load(self.snapshot_ref)
                except LcidbError as exc:
                    raise DomainUnavailable(str(exc)) from None
            return self._snapshot

    def compute(
        self, bom: dict[str, Any], *, method: str, electricity: str, monte_carlo: int | None, seed: int | None,
        scenario: str | None = None, samples: bool = False,
    ) -> FootprintResult:
        from footprint import compute
        from footprint.bom import validate_bom
        from footprint.errors import FootprintError
        from lcidb.errors import LcidbError

        try:
            return compute(
                validate_bom(bom), self.snapshot(), method=method, electricity=electricity,
                monte_carlo=monte_carlo, seed=seed, scenario=scenario, samples=samples,
            )
        except FootprintError as exc:
            report = getattr(exc, "report", None)
            located = _located(exc)
            if report is not None:
                located["extra"]["linking_report"] = report.model_dump(mode="json")
                located["code"] = "footprint.unlinked_lines"
            raise InvalidInput(str(exc), **located) from None
        except LcidbError as exc:
            raise InvalidInput(str(exc)) from None

    # ---- label rules ---------------------------------------------------------------------------
    def schemes(self) -> list[str]:
        from api.usecases.labelling import graded_scheme_ids

        # only graded schemes issue certificates here; the others are for recognition or display; a variant in
        # force (e.g. gd-carbon-label+carbon-neutral, issue 16) is offered as `<id>+<variant>`
        return graded_scheme_ids(date.today())

    def benchmark_key(self, footprint: FootprintResult) -> str:
        from api.usecases.labelling import benchmark_key

        return benchmark_key(footprint)

    @staticmethod
    def _provider(benchmarks: BenchmarkSource) -> Any:
        from labels import BenchmarkMember

        class _Registry:
            def members(self, key: str, on: date) -> list[BenchmarkMember]:
                return [
                    BenchmarkMember(
                        certificate_id=m.certificate_number,
                        total_kgco2e=Decimal(repr(m.total_kgco2e)),
                        issued=m.issued,
                        valid_until=m.valid_until,
                        scheme=m.scheme,
                        boundary=m.boundary,
                        method=m.method,
                        verifier=m.verifier,
                    )
                    for m in benchmarks.members(key, on)
                ]

        return _Registry()

    def recognise(
        self, certificate: dict[str, Any], *, target: str, on: date, benchmarks: BenchmarkSource
    ) -> dict[str, Any]:
        from api.usecases.labelling import recognise
        from labels import LabelsError

        try:
            outcome = recognise(certificate, target, on, self._provider(benchmarks))
        except LabelsError as exc:
            raise InvalidInput(str(exc)) from None
        return outcome.model_dump(mode="json")

    def grade(
        self,
        footprint: FootprintResult,
        *,
        evidence: dict[str, Any],
        scheme: str,
        on: date,
        benchmarks: BenchmarkSource,
    ) -> GradeOutcome:
        from api.usecases.labelling import catalogue_editions
        from api.usecases.labelling import grade as evaluate
        from labels import LabelsError

        # "latest edition of its dataset" is judged on the catalogue the footprint was computed on,
        # else the service's current one; with neither, on the footprint's own factors
        editions = catalogue_editions(footprint.provenance.snapshot_hash, self.snapshot_ref)
        try:
            decision = evaluate(footprint, evidence, scheme, on, self._provider(benchmarks), editions=editions)
        except LabelsError as exc:
            raise InvalidInput(str(exc)) from None
        version = f"{decision.rule_set_version.scheme}@{decision.rule_set_version.version}"
        grant = next((g for g in decision.granted if g.tier == decision.tier), None)
        if decision.tier is None or grant is None:
            reasons = [f"{r.rule_id}: {r.detail}" for r in decision.rules if r.status == "failed"]
            return GradeOutcome(
                scheme=scheme,
                eligible=False,
                rule_set_version=version,
                validity_days=0,
                surveillance_interval_days=0,
                surveillance_grace_days=FALLBACK_SURVEILLANCE_GRACE_DAYS,
                reasons=reasons or ["no tier granted"],
                explanation=decision.model_dump(mode="json"),
            )
        validity = (grant.valid_until - grant.valid_from).days
        interval = (grant.surveillance_due[0] - grant.valid_from).days if grant.surveillance_due else validity
        label = decision.label
        return GradeOutcome(
            scheme=scheme,
            eligible=True,
            tier=decision.tier,
            grade=decision.grade,
            label={lang: getattr(label, attr) for lang, attr in LABEL_LANGUAGES.items()} if label else {},
            reduction=decision.reduction.model_dump(mode="json") if decision.reduction else None,
            neutral_claim=({lang: getattr(decision.neutral_claim, attr) for lang, attr in LABEL_LANGUAGES.items()}
                           if decision.neutral_claim else {}),
            rule_set_version=version,
            validity_days=validity,
            surveillance_interval_days=interval,
            surveillance_grace_days=(
                grant.surveillance_grace_days
                if getattr(grant, "surveillance_grace_days", None) is not None
                else FALLBACK_SURVEILLANCE_GRACE_DAYS
            ),
            explanation=decision.model_dump(mode="json"),
        )

    # ---- carbon tariffs ----------------------------------------------------------------------
    def cbam_exposure(
        self,
        lines: list[dict[str, Any]],
        *,
        importer: str | None,
        prior_mass_t: Decimal | None,
        projection: bool,
        obligations: bool = False,
    ) -> Any:
        from tariffs import exposure_report
        from tariffs.errors import TariffsError

        try:
            return exposure_report(lines, importer, prior_mass_t, projection, obligations=obligations)
        except TariffsError as exc:
            raise InvalidInput(str(exc), code="cbam.invalid_line", extra=_line_locator(exc)) from None
        except ArithmeticError as exc:  # decimal.InvalidOperation / Overflow: a value beyond what rounds
            raise InvalidInput(f"a number in the lines is out of range ({type(exc).__name__})",
                               code="cbam.out_of_range") from None

    def cbam_pdf(self, report: Any) -> bytes:
        from api.usecases.cbam_reports import report_file

        return report_file(report, None, ".pdf")

    def cbam_portfolio(
        self, lines: list[dict[str, Any]] | Path, *, projection: bool, obligations: bool,
        certificate_price_eur: Decimal | None = None,
    ) -> Any:
        from tariffs import parse_lines, read_lines
        from tariffs.errors import TariffsError
        from tariffs.portfolio import portfolio_report

        try:
            parsed: Any = read_lines(lines) if isinstance(lines, Path) else lines
            if certificate_price_eur is not None:  # the scenario's price on every EU line (noted per line)
                parsed = [line.model_copy(update={"certificate_price_eur": certificate_price_eur})
                          if line.regime == "EU" else line
                          for line in (parsed if isinstance(lines, Path) else parse_lines(lines))]
            return portfolio_report(parsed, projection=projection, obligations=obligations)
        except TariffsError as exc:
            message = str(exc)
            if isinstance(lines, Path):
                message = _public_source(message, lines.parent, lines.name)
            raise InvalidInput(message) from None

    def cbam_portfolio_pdf(self, portfolio: Any) -> bytes:
        from api.usecases.cbam_reports import report_file

        return report_file(portfolio.exposure, portfolio, ".pdf")

    def cbam_xlsx(self, report: Any, portfolio: Any = None) -> bytes:
        from api.usecases.cbam_reports import report_file

        return report_file(report, portfolio, ".xlsx")

    def cbam_indicative(self, bom: dict[str, Any], footprint: dict[str, Any], on: date) -> dict[str, Any] | None:
        from tariffs.errors import TariffsError
        from tariffs.indicative import indicative_exposure

        try:
            exposure = indicative_exposure(bom, footprint, import_date=on)
        except TariffsError as exc:
            return {"status": "UNAVAILABLE", "declarable": False, "reason": str(exc)}
        return exposure.model_dump(mode="json") if exposure is not None else None
