"""Every golden case beside every rule set (data/rules/<scheme>/cases.yaml), run by one parametrized test.

Case format (docs/labels.md "Golden cases"): inputs are the factory defaults (tests/labels/factory.py)
deep-merged with what the case states; `expect` lists only what the case asserts. Expected values
are worked out by hand in each case's comment.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

import labels.errors as errors
from labels import evaluate, recognise
from tests.labels.factory import (
    DEFAULT_ON,
    default_certificate,
    default_evidence,
    default_footprint,
    merge,
    registry,
    remove,
)

RULES = Path(__file__).resolve().parents[2] / "data" / "rules"


def _cases() -> list[Any]:
    out = []
    for path in sorted(RULES.glob("*/cases.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            out.append(pytest.param(path.parent.name, case, id=f"{path.parent.name}: {case['name']}"))
    return out


CASES = _cases()


def _footprint(case: dict) -> dict:
    fp = merge(default_footprint(), case.get("footprint", {}))
    for line_id, patch in (case.get("lines") or {}).items():
        for i, line in enumerate(fp["lines"]):
            if line["line_id"] == line_id:
                fp["lines"][i] = merge(line, patch)
                break
        else:
            raise AssertionError(f"case patches unknown line {line_id!r}")
    fp["factors"] = fp["factors"] + case.get("add_factors", [])
    for path in case.get("footprint_remove", []):
        fp = remove(fp, path)
    return fp


def _evidence(case: dict) -> dict:
    ev = merge(default_evidence(), case.get("evidence", {}))
    for path in case.get("evidence_remove", []):
        ev = remove(ev, path)
    return ev


def _run(scheme: str, case: dict):
    on = date.fromisoformat(str(case.get("date", DEFAULT_ON)))
    provider = registry(case["registry"]) if "registry" in case else None
    if "recognise" in case:
        spec = case["recognise"]
        cert = merge(default_certificate(), spec.get("certificate", {}))
        if spec.get("with_dossier"):
            cert["footprint"] = _footprint(spec)
            cert["evidence"] = _evidence(spec)
        return recognise(cert, spec.get("target", scheme), on, provider)
    return evaluate(_footprint(case), _evidence(case), case.get("scheme", scheme), on, provider)


def _check_decision(d, expect: dict) -> None:
    if "tier" in expect:
        assert d.tier == expect["tier"]
    if "grade" in expect:
        assert d.grade == expect["grade"]
    if "granted" in expect:
        assert [g.tier for g in d.granted] == expect["granted"]
    if "gate_passed" in expect:
        assert d.gate_passed is expect["gate_passed"]
    if "version" in expect:
        assert d.rule_set_version.version == expect["version"]
    for rule_id, status in (expect.get("rules") or {}).items():
        assert d.rule(rule_id).status == status, d.rule(rule_id)
    if "failed_rules" in expect:  # the exact set of failed rules ("each gate rule failing alone")
        assert sorted(o.rule_id for o in d.rules if o.status == "failed") == sorted(expect["failed_rules"])
    for rule_id, threshold in (expect.get("thresholds") or {}).items():
        assert d.rule(rule_id).threshold == str(threshold)
    if "label" in expect:
        if expect["label"] is None:
            assert d.label is None
        else:
            for lang, text in expect["label"].items():
                assert text in getattr(d.label, lang.replace("-", "_")), getattr(d.label, lang.replace("-", "_"))
    for lang, text in (expect.get("neutral_claim") or {}).items():  # T4: what was offset and how
        assert d.neutral_claim is not None
        assert text in getattr(d.neutral_claim, lang.replace("-", "_")), getattr(d.neutral_claim, lang.replace("-", "_"))
    if "total_kgco2e" in expect:  # offsets never netted: the decision carries the footprint's own total
        assert str(d.total_kgco2e) == str(expect["total_kgco2e"])
    for lang, text in (expect.get("label_excludes") or {}).items():  # e.g. no repeated title, no "(proposal)"
        assert text not in getattr(d.label, lang.replace("-", "_")), getattr(d.label, lang.replace("-", "_"))
    if "valid_until" in expect:
        assert str(d.granted[-1].valid_until) == str(expect["valid_until"])
    if "surveillance_due" in expect:
        assert [str(x) for x in d.granted[-1].surveillance_due] == [str(x) for x in expect["surveillance_due"]]
    if "surveillance_grace_days" in expect:
        assert d.granted[-1].surveillance_grace_days == expect["surveillance_grace_days"]
    if "benchmark" in expect:
        if expect["benchmark"] is None:
            assert d.benchmark is None
        else:
            for k, v in expect["benchmark"].items():
                assert str(getattr(d.benchmark, k)) == str(v) if not isinstance(v, list) else getattr(d.benchmark, k) == v
    for step in expect.get("next_steps", []):
        match = [n for n in d.next_steps if n.tier == step["tier"] and n.grade == step.get("grade")
                 and step.get("requirement_contains", "") in n.requirement]
        assert match, d.next_steps
        if "threshold_kgco2e" in step:
            assert str(match[0].threshold_kgco2e) == str(step["threshold_kgco2e"])


def _check_recognition(r, expect: dict) -> None:
    for field in ("outcome", "new_verification_required", "target_tier", "target_grade"):
        if field in expect:
            assert getattr(r, field) == expect[field], r.reasons
    if "valid_until" in expect:
        assert str(r.valid_until) == str(expect["valid_until"])
    if "gaps" in expect:
        assert sorted(g.condition for g in r.gaps) == sorted(expect["gaps"]), r.gaps
    if "unproven" in expect:  # the exact set of the target's conditions left unproven
        assert sorted(g.condition for g in r.unproven) == sorted(expect["unproven"]), r.unproven
    for text in expect.get("gap_details_contain", []):
        assert any(text in g.detail for g in r.gaps), r.gaps
    if "cell" in expect:
        assert r.cell is not None and {"kind": r.cell.kind, "value_only": r.cell.value_only} == expect["cell"]
    for text in expect.get("reasons_contain", []):
        assert any(text in reason for reason in r.reasons), r.reasons
    if "version" in expect:
        assert r.rule_set_version.version == expect["version"]


@pytest.mark.parametrize(("scheme", "case"), CASES)
def test_golden_case(scheme: str, case: dict) -> None:
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(getattr(errors, expect["error"])) as info:
            _run(scheme, case)
        for text in expect.get("error_contains", []):
            assert text in str(info.value)
        return
    result = _run(scheme, case)
    if "recognise" in case:
        _check_recognition(result, expect)
    else:
        _check_decision(result, expect)


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 40
