"""Reading PACT documents: every v3 example of the specification (read from ../shared/data/pact),
the invalid one refused with the right error, and v2 footprints converted with a report."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from uuid import UUID

import pytest

from footprint.errors import InvalidPactDocument, ObsoletePactField
from footprint.pact import read_pact_document
from tests.pact.schema import example, example_paths, schema_errors

VALID = {
    # file: (shape, number of footprints, first id, its pcfIncludingBiogenicUptake as printed)
    "example-1.json": ("footprint", 1, "12345678-9abc-def0-1234-567812345678", "-1.23"),
    "example-2.json": ("footprint", 1, "f4b1225a-bd44-4c8e-861d-079e4e1dfd69", None),
    "example-3.json": ("footprint", 1, None, None),
    "example-4.json": ("footprint", 1, None, None),
    "get-footprint-response.json": ("response", 1, None, None),
    "list-footprints-response.json": ("list-response", 1, None, None),
    "pf-response-event.json": ("fulfilled-event", 1, None, None),
}


def test_the_examples_folder_holds_what_this_test_expects() -> None:
    names = {p.name for p in example_paths()}
    assert names == set(VALID) | {"invalid-response-all-properties.json", "error-response-access-denied.json"}


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_valid_v3_example_is_read(name: str) -> None:
    raw = example(name)
    doc = read_pact_document(raw, name)
    shape, count, first_id, including = VALID[name]
    assert doc.shape == shape and len(doc.footprints) == count
    pf = doc.footprints[0]
    if first_id:
        assert str(pf.id) == first_id
    if including:
        assert pf.pcf.pcf_including_biogenic_uptake == Decimal(including)
    # what we read writes back as a document the v3 schema accepts, with the same numbers
    wire = pf.wire()
    assert schema_errors(wire, "ProductFootprint") == []
    source = raw if shape == "footprint" else (raw["data"] if shape == "response" else
                                               raw["data"][0] if shape == "list-response" else raw["data"]["pfs"][0])
    for key in ("pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake", "fossilGhgEmissions",
                "declaredUnitAmount", "productMassPerDeclaredUnit"):
        assert Decimal(wire["pcf"][key]) == Decimal(source["pcf"][key]), key


def test_example_1_values_and_what_was_set_aside() -> None:
    doc = read_pact_document(example("example-1.json"), "example-1.json")
    pf = doc.footprints[0]
    assert pf.pcf.declared_unit_of_measurement == "kilogram"
    assert pf.pcf.biogenic_co2_uptake == Decimal("-1.61")
    assert pf.pcf.geography_country_subdivision == "US-TX"
    assert pf.pcf.dqi.geographical_dqr == Decimal("3.2")
    # example-1 puts otherOperatorName beside the rules instead of inside them: reported, not lost silently
    assert doc.report() == ["unknown field ignored: $.pcf.otherOperatorName"]


def test_example_2_self_reference_in_preceding_ids_is_dropped_and_reported() -> None:
    doc = read_pact_document(example("example-2.json"), "example-2.json")
    assert doc.footprints[0].preceding_pf_ids == [UUID("079e425a-464f-528d-341d-4a944a1dfd70")]
    assert any("names the footprint itself" in line for line in doc.report())


def test_the_invalid_example_is_refused_naming_the_obsolete_field() -> None:
    name = "invalid-response-all-properties.json"
    raw = example(name)
    assert schema_errors(raw["data"][0], "ProductFootprint") == []  # why an explicit check is needed
    with pytest.raises(ObsoletePactField) as caught:
        read_pact_document(raw, name)
    assert caught.value.path == "$.data[0].updated"
    assert str(caught.value).startswith(f"{name}, $.data[0].updated: 'updated' is a v2 lifecycle field")
    assert "'2025-1-08T14:47:32Z'" in str(caught.value)


def test_an_error_response_is_not_a_footprint() -> None:
    with pytest.raises(InvalidPactDocument, match=r"\$.code: a PACT error response .*'AccessDenied'"):
        read_pact_document(example("error-response-access-denied.json"), "error.json")


@pytest.mark.parametrize("change, path, reason", [
    (lambda d: d["pcf"].update(fossilGhgEmissions=0.35), "$.pcf.fossilGhgEmissions", "decimal is a string"),
    (lambda d: d["pcf"].update(fossilGhgEmissions="1e3"), "$.pcf.fossilGhgEmissions", "no exponent"),
    (lambda d: d["pcf"].update(biogenicCO2Uptake="1.61"), "$.pcf.biogenicCO2Uptake", "less than or equal to 0"),
    (lambda d: d["pcf"].pop("fossilCarbonContent"), "$.pcf.fossilCarbonContent", "required field is missing"),
    (lambda d: d.update(productIds=["GTIN-5695872369587"]), "$.productIds[0]", "should match pattern"),
    (lambda d: d["pcf"].update(declaredUnitOfMeasurement="kg"), "$.pcf.declaredUnitOfMeasurement", "Input should be"),
    (lambda d: d.update(specVersion="4.0.0"), "$.specVersion", "only PACT v3"),
    (lambda d: d["pcf"].update(geographyCountry="US"), "$.pcf", "at most one of"),
])
def test_bad_v3_documents_name_path_value_and_reason(change, path, reason) -> None:
    doc = copy.deepcopy(example("example-1.json"))
    change(doc)
    with pytest.raises(InvalidPactDocument) as caught:
        read_pact_document(doc, "supplier.json")
    assert caught.value.path == path, str(caught.value)
    assert reason in str(caught.value)
    assert str(caught.value).startswith(f"supplier.json, {path}")


V2_FOOTPRINT = {
    # a v2.3 footprint written for this test from spec/v2/openapi.yaml (required fields + a few O* ones)
    "id": "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b", "specVersion": "2.3.0", "version": 2,
    "created": "2025-03-01T00:00:00Z", "updated": "2025-04-01T00:00:00Z", "status": "Active",
    "comment": "", "companyName": "Supplier Co", "companyIds": ["urn:uuid:51131fb5-42a2-4267-a402-0ecfefad1619"],
    "productDescription": "PA66 granulate", "productIds": ["urn:gtin:4712345678904"],
    "productCategoryCpc": "34730", "productNameCompany": "PA66 natural",
    "pcf": {
        "declaredUnit": "kilogram", "unitaryProductAmount": "1000",
        "pCfExcludingBiogenic": "7100", "pCfIncludingBiogenic": "6900", "fossilGhgEmissions": "7050",
        "fossilCarbonContent": "630", "biogenicCarbonContent": "55", "dLucGhgEmissions": "12",
        "landManagementGhgEmissions": "3", "biogenicCarbonWithdrawal": "-250",
        "characterizationFactors": "AR6", "ipccCharacterizationFactorsSources": ["AR6"],
        "crossSectoralStandardsUsed": ["GHG Protocol Product standard"], "crossSectoralStandards": ["ISO14067"],
        "boundaryProcessesDescription": "cradle to gate", "referencePeriodStart": "2024-01-01T00:00:00Z",
        "referencePeriodEnd": "2025-01-01T00:00:00Z", "exemptedEmissionsPercent": 1.5,
        "exemptedEmissionsDescription": "catalysts", "packagingEmissionsIncluded": False,
        "primaryDataShare": 56.12, "biogenicAccountingMethodology": "PEF",
        "dqi": {"coveragePercent": 78, "technologicalDQR": 1.6, "temporalDQR": 2.1, "geographicalDQR": 1.4,
                "completenessDQR": 1.5, "reliabilityDQR": 1.6},
        "assurance": {"assurance": True, "coverage": "product level", "providerName": "Audit AG",
                      "level": "limited", "boundary": "Cradle-to-Gate"},
    },
}


def test_v2_footprint_is_converted_with_a_report() -> None:
    """pcfExcludingBiogenicUptake = including - uptake = 6900 - (-250) = 7150 (not v2's 7100)."""
    doc = read_pact_document(V2_FOOTPRINT, "v2.json")
    pf = doc.footprints[0]
    assert doc.source_versions == ["2.3.0"]
    assert pf.spec_version == "3.0.3"
    pcf = pf.pcf
    assert (pcf.declared_unit_of_measurement, pcf.declared_unit_amount) == ("kilogram", Decimal(1000))
    assert pcf.product_mass_per_declared_unit == Decimal(1000)
    assert pcf.pcf_including_biogenic_uptake == Decimal(6900)
    assert pcf.biogenic_co2_uptake == Decimal(-250)
    assert pcf.pcf_excluding_biogenic_uptake == Decimal(7150)
    assert pcf.land_use_change_ghg_emissions == Decimal(12)
    assert pcf.ipcc_characterization_factors == ["AR6"]
    assert pcf.cross_sectoral_standards == ["ISO14067", "GHGP-Product"]
    assert pcf.exempted_emissions_percent == Decimal("1.5") and pcf.primary_data_share == Decimal("56.12")
    assert pcf.dqi is None  # v2's 1-3 scale is not v3's 1-5
    assert pcf.verification.coverage == "product level" and pcf.verification.provider_name == "Audit AG"
    assert pf.product_classifications == ["urn:pact:productclassification:un-cpc:34730"]
    report = "\n".join(doc.report())
    for expected in ("specVersion 2.3.0 read as v2", "version dropped", "updated dropped",
                     "productCategoryCpc '34730' -> productClassifications",
                     "pcfExcludingBiogenicUptake = pCfIncludingBiogenic - biogenicCarbonWithdrawal",
                     "landManagementGhgEmissions dropped", "dqi dropped", "assurance -> verification",
                     "biogenicAccountingMethodology dropped", "exemptedEmissionsPercent: JSON number -> decimal string"):
        assert expected in report, expected
    wire = pf.wire()
    assert schema_errors(wire, "ProductFootprint") == []
    assert json.loads(json.dumps(wire))["pcf"]["pcfExcludingBiogenicUptake"] == "7150"


def test_v2_without_the_including_total_is_refused_not_guessed() -> None:
    v2 = copy.deepcopy(V2_FOOTPRINT)
    del v2["pcf"]["pCfIncludingBiogenic"]
    with pytest.raises(InvalidPactDocument, match=r"v2.json, \$.pcf.pCfIncludingBiogenic: .*missing"):
        read_pact_document(v2, "v2.json")
    v2 = copy.deepcopy(V2_FOOTPRINT)
    v2["pcf"]["declaredUnit"] = "liter"
    with pytest.raises(InvalidPactDocument, match="productMassPerDeclaredUnit: mandatory in v3"):
        read_pact_document(v2, "v2.json")
