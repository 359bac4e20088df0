"""Label rules: Guangdong / GBA / national carbon-label tiers and mutual recognition, as dated data.

Public API (what the service and the CLI call)::

    evaluate(footprint, evidence, scheme, on, benchmark_provider=None, *, editions=None) -> Decision
    recognise(certificate, target, on, benchmark_provider=None) -> RecognitionOutcome
    list_schemes(on) -> list[SchemeInfo]
    load_rule_set(scheme, on) -> RuleSet
    derive_benchmark(members, cut_off, *, policy, key) -> Benchmark | None
    fired_triggers(decision, new_total) -> list[str]
"""

from __future__ import annotations

from labels.benchmarks import (
    Benchmark,
    BenchmarkMember,
    BenchmarkProvider,
    StaticBenchmarkProvider,
    benchmark_key,
    derive_benchmark,
)
from labels.decision import Decision, RecognitionOutcome, RuleOutcome
from labels.errors import LabelsError
from labels.evaluate import evaluate
from labels.gate import CatalogueEditions, DatasetEditions
from labels.inputs import Certificate, Evidence
from labels.recognition import recognise
from labels.ruledata import RuleSet, load_rule_set
from labels.schemes import SchemeInfo, list_schemes
from labels.triggers import fired_triggers

__all__ = [
    "Benchmark", "BenchmarkMember", "BenchmarkProvider", "CatalogueEditions", "Certificate", "DatasetEditions", "Decision", "Evidence",
    "LabelsError", "RecognitionOutcome", "RuleOutcome", "RuleSet", "SchemeInfo", "StaticBenchmarkProvider",
    "benchmark_key", "derive_benchmark", "evaluate", "fired_triggers", "list_schemes", "load_rule_set", "recognise",
]
