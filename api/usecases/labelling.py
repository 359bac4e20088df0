"""The label rules as use cases: grade a footprint, recognise another scheme's certificate, list the
schemes, draw the on-pack label. The CLI and the service (through the Domain adapter) call these,
so each choice - which factor catalogue judges "the latest edition of its dataset", how a registry
file becomes benchmark members - is made once.

Errors are the domain's: labels.errors.LabelsError (messages name the file part, field and value),
lcidb.errors.LcidbError for a snapshot that is not published here.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from collections.abc import Mapping

from footprint.result import FootprintResult
from labels.decision import Decision, RecognitionOutcome


def catalogue_editions(*refs: str | None) -> Any:
    """The factor catalogue that judges "the latest edition of its dataset": the first of `refs`
    published here (the footprint's own snapshot hash first, then the service's or the asked one),
    as labels' CatalogueEditions; None when none is published (the footprint's own factors decide)."""
    from labels.gate import CatalogueEditions
    from lcidb.snapshot import first_available

    catalogue = first_available(*refs)
    return CatalogueEditions(catalogue.activities) if catalogue is not None else None


def explicit_catalogue_editions(ref: str) -> Any:
    """The catalogue of snapshot `ref` (LcidbError when it is not published)."""
    from labels.gate import CatalogueEditions
    from lcidb.snapshot import load_snapshot

    return CatalogueEditions(load_snapshot(ref).activities)


def own_snapshot_hash(footprint: Any) -> str | None:
    """The snapshot hash a footprint (model or its JSON) was computed on, if it names one."""
    if isinstance(footprint, FootprintResult):
        return footprint.provenance.snapshot_hash
    if isinstance(footprint, Mapping):
        provenance = footprint.get("provenance")
        return provenance.get("snapshot_hash") if isinstance(provenance, Mapping) else None
    return None


def grade(footprint: Any, evidence: Any, scheme: str, on: date, benchmarks: Any = None, *,
          editions: Any = None) -> Decision:
    """The rules' decision for a footprint under `scheme` (ID or ID@VERSION) in force on `on`."""
    from labels.evaluate import evaluate

    return evaluate(footprint, evidence, scheme, on, benchmarks, editions=editions)


def recognise(certificate: Any, target: str, on: date, benchmarks: Any = None) -> RecognitionOutcome:
    """May `target` take over this certificate of another scheme, and on what terms?"""
    from labels.recognition import recognise as run

    return run(certificate, target, on, benchmarks)


def schemes(on: date) -> list[Any]:
    """The schemes known here with the rule-set version in force on `on` (labels.schemes.SchemeInfo)."""
    from labels.schemes import list_schemes

    return list_schemes(on)


def graded_scheme_ids(on: date) -> list[str]:
    """Schemes that issue certificates here: graded ones, and each variant in force as `<id>+<variant>`."""
    graded = [info for info in schemes(on) if info.kind == "graded"]
    return [info.id for info in graded] + [f"{info.id}+{name}" for info in graded
                                           for name, version in info.variants.items() if version]


def benchmark_key(footprint: FootprintResult) -> str:
    """The key under which the rules compare like with like (product rule or category + unit)."""
    from labels.benchmarks import benchmark_key as key

    return key(footprint.product_rule, footprint.category, footprint.declared_unit.amount, footprint.declared_unit.unit)


def static_registry(members: Mapping[str, list[Any]]) -> Any:
    """A benchmark registry from JSON: {"<benchmark key>": [{certificate_id, total_kgco2e, issued,
    valid_until, ...}, ...]} (pydantic ValidationError / TypeError on a bad member)."""
    from labels.benchmarks import BenchmarkMember, StaticBenchmarkProvider

    return StaticBenchmarkProvider({k: [BenchmarkMember.model_validate(m) for m in v] for k, v in members.items()})


def artwork_for(data: Mapping[str, Any], *, issuer: str | None = None, verification_url: str | None = None) -> Any:
    """The label artwork of a certificate document, an API certificate, a scheme certificate or a decision."""
    from labels.artwork import artwork_for as artwork

    return artwork(data, issuer=issuer, verification_url=verification_url)


def artwork_of_document(document: Mapping[str, Any]) -> Any:
    """The label artwork of a certificate this service issued (its signed document)."""
    from labels.artwork import artwork_from_document

    return artwork_from_document(document)
