"""Label rules: Guangdong / GBA / national carbon-label tiers and mutual recognition, as dated data.

Public API (what the service and the CLI call)::

    evaluate(footprint, evidence, scheme, on, benchmark_provider=None, *, editions=None) -> Decision
    recognise(certificate, target, on, benchmark_provider=None) -> RecognitionOutcome   # any scheme's, or ours
    CertificateDocument                              # the document this service signs (labels.certificate_document)
    list_schemes(on) -> list[SchemeInfo]
    load_rule_set(scheme, on) -> RuleSet
    derive_benchmark(members, cut_off, *, policy, key) -> Benchmark | None
    fired_triggers(decision, new_total) -> list[str]
    emission_parts(footprint) -> EmissionParts      # emissions without uptake, removals and credits (G0)
    mla_signatory(body, on) -> (bool, str)          # IAF MLA list for GHG V/V (data/accreditation)
"""

from __future__ import annotations

from labels.accreditation import mla_signatory
from labels.benchmarks import (
    Benchmark,
    BenchmarkMember,
    BenchmarkProvider,
    SkippedMember,
    StaticBenchmarkProvider,
    benchmark_key,
    derive_benchmark,
    member_problem,
)
from labels.certificate_document import CertificateDocument
from labels.decision import Decision, RecognitionOutcome, RuleOutcome
from labels.errors import LabelsError
from labels.evaluate import evaluate
from labels.gate import CatalogueEditions, DatasetEditions, EmissionParts, emission_parts
from labels.inputs import Certificate, Evidence
from labels.recognition import recognise
from labels.ruledata import RuleSet, load_rule_set
from labels.schemes import SchemeInfo, list_schemes
from labels.triggers import fired_triggers

__all__ = [
    "Benchmark", "BenchmarkMember", "BenchmarkProvider", "CatalogueEditions", "Certificate", "CertificateDocument", "DatasetEditions", "Decision", "Evidence",
    "EmissionParts", "LabelsError", "RecognitionOutcome", "RuleOutcome", "RuleSet", "SchemeInfo", "SkippedMember",
    "StaticBenchmarkProvider", "benchmark_key", "derive_benchmark", "emission_parts", "evaluate", "fired_triggers",
    "list_schemes", "load_rule_set", "member_problem", "mla_signatory", "recognise",
]
