"""The service's door to the label rules, and the certificate registry it offers them as benchmark source."""

from __future__ import annotations

from datetime import date

import pytest

from api.usecases.domain import CertifiedFootprint
from api.usecases.engine import EngineDomain
from api.storage.models import utcnow
from api.usecases.certificates import RegistryBenchmarks
from footprint.result import FootprintResult
from tests.api.helpers import certified
from tests.labels.factory import (
    default_certificate,
    default_evidence,
    default_footprint,
)


class FivePeersAt100:
    def __init__(self) -> None:
        self.asked: list[tuple[str, date]] = []

    def members(self, key: str, on: date) -> list[CertifiedFootprint]:
        self.asked.append((key, on))
        return [
            CertifiedFootprint(
                certificate_number=f"CL-R{i}",
                total_kgco2e=100.0,
                issued=date(2025, 1, 1),
                valid_until=date(2027, 12, 31),
            )
            for i in range(5)
        ]


def test_grade_maps_the_rules_decision_and_uses_the_registry() -> None:
    footprint = FootprintResult.model_validate({**default_footprint(), "total_kgco2e": 80.0})
    peers = FivePeersAt100()
    outcome = EngineDomain().grade(
        footprint, evidence=default_evidence(), scheme="gd-carbon-label", on=date(2026, 6, 1), benchmarks=peers
    )
    # registry benchmark = mean of 5 x 100 = 100; 80 <= 0.85 x 100 and > 0.70 x 100 -> T3 grade B
    assert (outcome.eligible, outcome.tier, outcome.grade) == (True, "T3", "B")
    assert peers.asked and peers.asked[0][0] == "PR-TEST-001|1 piece"
    assert outcome.rule_set_version == "gd-carbon-label@2025.1"
    assert outcome.validity_days == 730  # two years from 2026-06-01 (T1/T3: 2 years, labels.md P2)
    assert outcome.surveillance_interval_days == 365  # annual
    assert outcome.surveillance_grace_days == 30  # labels.md P4
    assert "低碳标识 二级" in outcome.label["zh-CN"] and outcome.label["en"]


def test_grade_refusal_lists_the_failed_rules() -> None:
    footprint = FootprintResult.model_validate({**default_footprint(), "unverified_share": 0.2})
    outcome = EngineDomain().grade(
        footprint,
        evidence=default_evidence(),
        scheme="gd-carbon-label",
        on=date(2026, 6, 1),
        benchmarks=FivePeersAt100(),
    )
    assert not outcome.eligible
    assert any(reason.startswith("G13.unverified_share") for reason in outcome.reasons)


def test_registry_offers_only_certificates_valid_on_the_date(app, client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    certifier = actors.add("certifier", "certifier", "GD Cert Body")
    kept = certified(client, exporter, certifier, name="Lamp A")["number"]
    revoked = certified(client, exporter, certifier, name="Lamp B")["number"]
    assert client.post(f"/v1/certificates/{revoked}/revoke", json={"reason": "x"}, headers=certifier).status_code == 200
    with app.state.service.sessions() as session:
        members = RegistryBenchmarks(session).members("category:lighting|1 piece", utcnow().date())
        assert [m.certificate_number for m in members] == [kept]
        assert members[0].total_kgco2e == 37.2
        # issue 10: each member says what it is (scheme, boundary, method; the verifier when the evidence names one)
        assert members[0].scheme and members[0].boundary in ("cradle-to-gate", "cradle-to-grave") and members[0].method
        assert RegistryBenchmarks(session).members("category:kettles|1 piece", utcnow().date()) == []


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_recognition_route_asks_the_rules(app, client, actors) -> None:
    exporter = actors.add("exporter", "exporter", "Lamp Co")
    trade = actors.add("trade", "trade_office", "HK Trade Office")
    app.state.service.domain = EngineDomain()
    body = {"certificate": default_certificate(), "target": "mo-display", "on": "2026-06-01"}
    answer = client.post("/v1/recognitions", json=body, headers=exporter)
    assert answer.status_code == 200, answer.text
    # national PCF label shown in Macao: accepted; valid until min(source 2027-05-31, 2026-06-01 + 24 months)
    assert (answer.json()["outcome"], answer.json()["valid_until"]) == ("accepted", "2027-05-31")
    assert client.post("/v1/recognitions", json=body, headers=trade).status_code == 403
    broken = {**body, "certificate": {**default_certificate(), "tier": "T9"}}
    assert client.post("/v1/recognitions", json=broken, headers=exporter).status_code == 422


def test_only_graded_schemes_take_applications() -> None:
    # the shipped rule sets: four graded schemes, plus the carbon-neutral variants a certification body may
    # offer (issue 16, in force from 2025-12-01); the rest are for recognition or display only
    assert sorted(EngineDomain().schemes()) == [
        "cn-national-pcf", "cn-national-pcf+carbon-neutral", "gba-carbon-footprint",
        "gba-carbon-footprint+carbon-neutral", "gd-carbon-label", "gd-carbon-label+carbon-neutral", "hk-label"]


class PeersWithOneImpossible(FivePeersAt100):
    """Five good certificates at 100 and, from another organisation, the -998 one of issue 9."""

    def members(self, key: str, on: date) -> list[CertifiedFootprint]:
        bad = CertifiedFootprint(certificate_number="CL-BAD", total_kgco2e=-998.0, issued=date(2025, 1, 1),
                                 valid_until=date(2027, 12, 31), scheme="gd-carbon-label")
        return super().members(key, on) + [bad]


def test_one_impossible_registry_certificate_never_blocks_another_approval() -> None:
    """Issue 9: it used to raise BenchmarkInvalid (a 422 naming it) for everyone in the group. Now it is skipped
    with its reason and the others make the benchmark: mean 500 / 5 = 100; 80 -> grade B."""
    footprint = FootprintResult.model_validate({**default_footprint(), "total_kgco2e": 80.0})
    outcome = EngineDomain().grade(
        footprint, evidence=default_evidence(), scheme="gd-carbon-label", on=date(2026, 6, 1),
        benchmarks=PeersWithOneImpossible(),
    )
    assert (outcome.eligible, outcome.tier, outcome.grade) == (True, "T3", "B")
    benchmark = outcome.explanation["benchmark"]
    assert benchmark["n"] == 5 and [s["certificate_id"] for s in benchmark["skipped"]] == ["CL-BAD"]
    assert "<= 0" in benchmark["skipped"][0]["reason"]
    assert {m["scheme"] for m in benchmark["members"]} == {None}  # the stand-in registry keeps no scheme


def test_an_impossible_footprint_is_refused_with_the_rule_and_reason() -> None:
    """Issue 9 item 1: a supplier PCF line of -1000 made the total -998; the gate refuses it (G0)."""
    doc = default_footprint()
    doc["lines"][0] = doc["lines"][0] | {"kgco2e": -1000.0, "share": 10.02}
    doc |= {"total_kgco2e": -998.0, "pcf_excluding_biogenic_uptake": -998.0, "pcf_including_biogenic_uptake": -998.0}
    outcome = EngineDomain().grade(
        FootprintResult.model_validate(doc), evidence=default_evidence(), scheme="gd-carbon-label",
        on=date(2026, 6, 1), benchmarks=FivePeersAt100(),
    )
    assert not outcome.eligible
    assert any(r.startswith("G0.emissions_positive: refused") for r in outcome.reasons), outcome.reasons
