"""PACT v2 (2.x) ProductFootprint -> v3 wire object, with a note for every field converted or
dropped. Values are carried over only where v2 and v3 define the same quantity; where they do
not (v2 DQRs on a 1-3 scale, landManagementGhgEmissions that v3 splits by origin), the value is
dropped and the note says so. A v3-mandatory value that v2 does not give is never invented: the
document is refused. Rules: docs/pact.md, "Reading v2".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from footprint.errors import InvalidPactDocument

# v2 crossSectoralStandardsUsed (deprecated) and crossSectoralStandards spellings -> v3 values
_STANDARDS_V2 = {
    "GHG Protocol Product standard": "GHGP-Product", "ISO Standard 14067": "ISO14067",
    "ISO Standard 14044": "ISO14040-44", "GHGP Product": "GHGP-Product",
    "PACT Methodology 1.0": "PACT-1.0", "PACT Methodology 2.0": "PACT-2.0", "PACT Methodology 3.0": "PACT-3.0",
}
# declared units whose PCF carries no product mass (PACT: productMassPerDeclaredUnit = 0)
_MASSLESS = {"kilowatt hour", "megajoule", "ton kilometer"}
_SAME_NAME_PF = ("id", "created", "status", "validityPeriodStart", "validityPeriodEnd", "companyName",
                 "companyIds", "productDescription", "productIds", "productNameCompany", "comment",
                 "precedingPfIds", "extensions")
_SAME_NAME_DECIMALS = ("fossilGhgEmissions", "fossilCarbonContent", "biogenicCarbonContent",
                       "aircraftGhgEmissions", "packagingGhgEmissions", "productMassPerDeclaredUnit")
_SAME_NAME_OTHER = ("referencePeriodStart", "referencePeriodEnd", "geographyRegionOrSubregion",
                    "geographyCountry", "geographyCountrySubdivision", "boundaryProcessesDescription",
                    "packagingEmissionsIncluded", "exemptedEmissionsDescription", "allocationRulesDescription",
                    "secondaryEmissionFactorSources", "productOrSectorSpecificRules")


def _decimal(value: object, source: str, path: str) -> Decimal:
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        if isinstance(value, (int, float)):
            return Decimal(repr(value))
        if isinstance(value, str):
            return Decimal(value)
    except InvalidOperation:
        pass
    raise InvalidPactDocument(source, path, value, "not a number")


def _text(value: Decimal) -> str:
    from footprint.pact import decimal_text

    return decimal_text(value)


def convert_v2(pf: dict[str, Any], source: str, path: str) -> tuple[dict[str, Any], list[str]]:
    """The v3 wire object for a v2 ProductFootprint and the list of what was converted."""
    from footprint.pact import SPEC_VERSION

    notes: list[str] = [f"specVersion {pf.get('specVersion')} read as v2 and converted to {SPEC_VERSION}"]
    out: dict[str, Any] = {k: pf[k] for k in _SAME_NAME_PF if k in pf}
    out["specVersion"] = SPEC_VERSION
    for dropped in ("version", "updated", "statusComment"):
        if dropped in pf:
            notes.append(f"{dropped} dropped (v3 has no versions: a change is a new id listed in precedingPfIds)")
    classifications = list(pf.get("productClassifications") or [])
    if pf.get("productCategoryCpc"):
        urn = f"urn:pact:productclassification:un-cpc:{pf['productCategoryCpc']}"
        classifications.append(urn)
        notes.append(f"productCategoryCpc {pf['productCategoryCpc']!r} -> productClassifications {urn}")
    if classifications:
        out["productClassifications"] = list(dict.fromkeys(classifications))

    cf = pf.get("pcf")
    if not isinstance(cf, dict):
        raise InvalidPactDocument(source, f"{path}.pcf", cf, "required field is missing")
    p = f"{path}.pcf"
    new: dict[str, Any] = {k: cf[k] for k in _SAME_NAME_OTHER if k in cf}
    for k in _SAME_NAME_DECIMALS:
        if k in cf:
            new[k] = _text(_decimal(cf[k], source, f"{p}.{k}"))

    if "declaredUnit" in cf:
        new["declaredUnitOfMeasurement"] = cf["declaredUnit"]
        notes.append("declaredUnit -> declaredUnitOfMeasurement")
    if "unitaryProductAmount" in cf:
        new["declaredUnitAmount"] = _text(_decimal(cf["unitaryProductAmount"], source, f"{p}.unitaryProductAmount"))
        notes.append("unitaryProductAmount -> declaredUnitAmount")
    if "productMassPerDeclaredUnit" not in new:
        unit = new.get("declaredUnitOfMeasurement")
        if unit == "kilogram" and "declaredUnitAmount" in new:
            new["productMassPerDeclaredUnit"] = new["declaredUnitAmount"]
            notes.append("productMassPerDeclaredUnit (mandatory in v3) = declaredUnitAmount, the declared unit being kilogram")
        elif unit in _MASSLESS:
            new["productMassPerDeclaredUnit"] = "0"
            notes.append(f"productMassPerDeclaredUnit (mandatory in v3) = 0 for a declared unit in {unit}")
        else:
            raise InvalidPactDocument(source, f"{p}.productMassPerDeclaredUnit", None,
                                      f"mandatory in v3 and not given by this v2 footprint (declared unit {unit!r}); "
                                      "it cannot be derived")

    # totals: v2 pCfIncludingBiogenic is v3 pcfIncludingBiogenicUptake; v2 pCfExcludingBiogenic also
    # leaves out biogenic emissions, so v3's excluding-uptake total is rebuilt from the uptake
    including = cf.get("pCfIncludingBiogenic")
    withdrawal = cf.get("biogenicCarbonWithdrawal")
    if including is None:
        raise InvalidPactDocument(source, f"{p}.pCfIncludingBiogenic", None,
                                  "needed to give v3 pcfIncludingBiogenicUptake and missing (optional in v2 "
                                  "before 2025); v2 pCfExcludingBiogenic is not the same quantity")
    inc = _decimal(including, source, f"{p}.pCfIncludingBiogenic")
    new["pcfIncludingBiogenicUptake"] = _text(inc)
    notes.append("pCfIncludingBiogenic -> pcfIncludingBiogenicUptake")
    if withdrawal is None:
        raise InvalidPactDocument(source, f"{p}.biogenicCarbonWithdrawal", None,
                                  "needed to give v3 pcfExcludingBiogenicUptake (= including - uptake) and missing")
    uptake = _decimal(withdrawal, source, f"{p}.biogenicCarbonWithdrawal")
    new["biogenicCO2Uptake"] = _text(uptake)
    new["pcfExcludingBiogenicUptake"] = _text(inc - uptake)
    notes.append("biogenicCarbonWithdrawal -> biogenicCO2Uptake; pcfExcludingBiogenicUptake = "
                 "pCfIncludingBiogenic - biogenicCarbonWithdrawal")
    if "pCfExcludingBiogenic" in cf:
        notes.append("pCfExcludingBiogenic dropped (v2 excludes biogenic emissions too; not the v3 total)")
    if "dLucGhgEmissions" in cf:
        new["landUseChangeGhgEmissions"] = _text(_decimal(cf["dLucGhgEmissions"], source, f"{p}.dLucGhgEmissions"))
        notes.append("dLucGhgEmissions -> landUseChangeGhgEmissions")
    for dropped, why in (
        ("iLucGhgEmissions", "v3 has no indirect land-use change field"),
        ("landManagementGhgEmissions", "v3 splits it into fossil, biogenic CO2 emissions and removals; v2 gives no split"),
        ("otherBiogenicGhgEmissions", "v3 has no field with the same definition"),
        ("biogenicAccountingMethodology", "obsolete in v3"),
        ("uncertaintyAssessmentDescription", "obsolete in v3"),
        ("characterizationFactors", "deprecated in v2; ipccCharacterizationFactorsSources is used"),
    ):
        if dropped in cf:
            notes.append(f"{dropped} dropped ({why})")

    sources = cf.get("ipccCharacterizationFactorsSources") or (
        [cf["characterizationFactors"]] if cf.get("characterizationFactors") else [])
    if sources:
        new["ipccCharacterizationFactors"] = list(dict.fromkeys(sources))
        notes.append("ipccCharacterizationFactorsSources -> ipccCharacterizationFactors")
    standards = [_STANDARDS_V2.get(s, s) for s in
                 list(cf.get("crossSectoralStandards") or []) + list(cf.get("crossSectoralStandardsUsed") or [])]
    if standards:
        new["crossSectoralStandards"] = list(dict.fromkeys(standards))
        notes.append("crossSectoralStandards(Used) -> crossSectoralStandards " + ", ".join(new["crossSectoralStandards"]))
    for number in ("exemptedEmissionsPercent", "primaryDataShare"):
        if number in cf:
            new[number] = _text(_decimal(cf[number], source, f"{p}.{number}"))
            notes.append(f"{number}: JSON number -> decimal string")
    if "dqi" in cf:
        notes.append("dqi dropped (v2 rates 1-3 with five indicators, v3 rates 1-5 with three: not the same scale)")
    assurance = cf.get("assurance")
    if isinstance(assurance, dict) and assurance.get("assurance") is True:
        verification = {k: assurance[k] for k in ("providerName", "completedAt", "standardName", "comments")
                        if k in assurance}
        if assurance.get("coverage") == "product level":
            verification["coverage"] = "product level"
        elif "coverage" in assurance:
            notes.append(f"assurance.coverage {assurance['coverage']!r} has no v3 value and was dropped")
        new["verification"] = verification
        notes.append("assurance -> verification")
    elif assurance is not None:
        notes.append("assurance without assurance: true dropped")
    out["pcf"] = new
    return out, notes
