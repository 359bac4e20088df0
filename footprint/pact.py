"""PACT v3 ProductFootprint: the data model, the mapping from a footprint result and its product,
and the reading of PACT documents (v3, and v2 converted to v3). Rules: docs/pact.md.

Pure: no HTTP, no database. Field names are the project's snake_case; the PACT wire names
(camelCase) appear in this module only, as the pydantic aliases of the models below (the one
place the wire format is mapped). Every fractional number is a `decimal.Decimal` inside and a
decimal string on the wire (PACT v3 `Decimal`, no exponent).

    from footprint.pact import export_footprint, read_pact_document
    pf = export_footprint(result, product, pf_id=..., created=..., company=...)
    pf.wire()                                   # the JSON object PACT partners exchange
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, UTC
from decimal import Decimal
from typing import Annotated, Any, Literal
from collections.abc import Iterable
from urllib.parse import quote
from uuid import UUID, uuid5

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationError,
                      field_validator, model_validator)

from footprint.bom import Product
from footprint.errors import InvalidPactDocument, ObsoletePactField, PactExportRefused
from footprint.result import FootprintResult
from lcidb.errors import UnknownUnit
from lcidb.units import parse_unit, registry

__all__ = [
    "SPEC_VERSION", "ProductFootprint", "CarbonFootprint", "PactCompany", "PactVerification",
    "export_footprint", "read_pact_document", "parse_product_footprint", "PactDocument",
    "OBSOLETE_FIELDS", "REFUSED_ON_READ", "decimal_text",
    "PACT_UNITS",
]

SPEC_VERSION = "3.0.3"  # the PACT Technical Specification version this module writes

# --------------------------------------------------------------------------- wire types

_DECIMAL_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")


def decimal_text(value: Decimal) -> str:
    """A Decimal as PACT writes it: plain digits, never an exponent ("1E+1" is not allowed)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "+0", "") else text


def _to_decimal(value: object) -> Decimal:
    # PACT v3 writes every fractional number as a string; a JSON number is a v2 habit and refused
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or not _DECIMAL_RE.match(value):
        raise ValueError("a PACT v3 decimal is a string of digits such as \"12.5\" (no exponent, no JSON number)")
    return Decimal(value)


Dec = Annotated[Decimal, BeforeValidator(_to_decimal), PlainSerializer(decimal_text, return_type=str)]
NonNegative = Annotated[Dec, Field(ge=0)]
NonPositive = Annotated[Dec, Field(le=0)]
Urn = Annotated[str, Field(pattern=r"^([uU][rR][nN]):")]
NonEmptyText = Annotated[str, Field(min_length=1)]


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a PACT date-time carries its offset (e.g. 2025-01-01T00:00:00Z)")
    return value


DateTime = Annotated[datetime, PlainSerializer(_utc_text, return_type=str)]

DeclaredUnitName = Literal["liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer",
                           "square meter", "piece", "hour", "megabit second"]

# PACT declared units -> the project's pint vocabulary (lcidb.units); "megabit second" has none
PACT_UNITS: dict[str, str | None] = {
    "liter": "L", "kilogram": "kg", "cubic meter": "m3", "kilowatt hour": "kWh", "megajoule": "MJ",
    "ton kilometer": "tkm", "square meter": "m2", "piece": "piece", "hour": "h", "megabit second": None,
}
# declared units for which PACT says productMassPerDeclaredUnit is 0 (energy, logistics, services)
MASSLESS_UNITS = frozenset({"kilowatt hour", "megajoule", "ton kilometer", "hour", "megabit second"})

UN_REGIONS = Literal[
    "Africa", "Americas", "Asia", "Europe", "Oceania", "Australia and New Zealand", "Central Asia",
    "Eastern Asia", "Eastern Europe", "Latin America and the Caribbean", "Melanesia", "Micronesia",
    "Northern Africa", "Northern America", "Northern Europe", "Polynesia", "South-eastern Asia",
    "Southern Asia", "Southern Europe", "Sub-Saharan Africa", "Western Asia", "Western Europe",
]


class _Wire(BaseModel):
    # Unknown fields are ignored by the models; read_pact_document reports them (and refuses the
    # obsolete ones) before validation, so nothing is dropped silently.
    model_config = ConfigDict(populate_by_name=True, extra="ignore", allow_inf_nan=False)

    def wire(self) -> dict[str, Any]:
        """The PACT JSON object: camelCase names, decimal strings, absent rather than null."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class DataQualityIndicators(_Wire):
    technological_dqr: Annotated[Dec, Field(ge=1, le=5)] = Field(alias="technologicalDQR")
    geographical_dqr: Annotated[Dec, Field(ge=1, le=5)] = Field(alias="geographicalDQR")
    temporal_dqr: Annotated[Dec, Field(ge=1, le=5)] = Field(alias="temporalDQR")


class PactVerification(_Wire):
    """PACT v3 `verification` (v2 `assurance`)."""

    coverage: Literal["PCF calculation model", "PCF program", "product level"] | None = None
    provider_name: str | None = Field(default=None, alias="providerName")
    completed_at: DateTime | None = Field(default=None, alias="completedAt")
    standard_name: str | None = Field(default=None, alias="standardName")
    comments: str | None = None


class ProductOrSectorSpecificRule(_Wire):
    operator: Literal["PEF", "EPD International", "Other"]
    rule_names: list[NonEmptyText] = Field(alias="ruleNames", min_length=1)
    other_operator_name: NonEmptyText | None = Field(default=None, alias="otherOperatorName")


class EmissionFactorSource(_Wire):
    name: NonEmptyText
    version: NonEmptyText


class DataModelExtension(_Wire):
    spec_version: str = Field(alias="specVersion")
    data_schema: str = Field(alias="dataSchema")
    documentation: str | None = None
    data: dict[str, Any]


class CarbonFootprint(_Wire):
    declared_unit_of_measurement: DeclaredUnitName = Field(alias="declaredUnitOfMeasurement")
    declared_unit_amount: Annotated[Dec, Field(gt=0)] = Field(alias="declaredUnitAmount")
    product_mass_per_declared_unit: NonNegative = Field(alias="productMassPerDeclaredUnit")
    reference_period_start: DateTime = Field(alias="referencePeriodStart")
    reference_period_end: DateTime = Field(alias="referencePeriodEnd")
    geography_region_or_subregion: UN_REGIONS | None = Field(default=None, alias="geographyRegionOrSubregion")
    geography_country: str | None = Field(default=None, alias="geographyCountry", pattern=r"^[A-Z]{2}$")
    geography_country_subdivision: str | None = Field(
        default=None, alias="geographyCountrySubdivision", pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
    boundary_processes_description: str | None = Field(default=None, alias="boundaryProcessesDescription")
    pcf_excluding_biogenic_uptake: Dec = Field(alias="pcfExcludingBiogenicUptake")
    pcf_including_biogenic_uptake: Dec = Field(alias="pcfIncludingBiogenicUptake")
    fossil_carbon_content: NonNegative = Field(alias="fossilCarbonContent")
    biogenic_carbon_content: NonNegative | None = Field(default=None, alias="biogenicCarbonContent")
    recycled_carbon_content: NonNegative | None = Field(default=None, alias="recycledCarbonContent")
    fossil_ghg_emissions: NonNegative = Field(alias="fossilGhgEmissions")
    land_use_change_ghg_emissions: NonNegative | None = Field(default=None, alias="landUseChangeGhgEmissions")
    land_carbon_leakage: NonNegative | None = Field(default=None, alias="landCarbonLeakage")
    land_management_fossil_ghg_emissions: NonNegative | None = Field(
        default=None, alias="landManagementFossilGhgEmissions")
    land_management_biogenic_co2_emissions: NonNegative | None = Field(
        default=None, alias="landManagementBiogenicCO2Emissions")
    land_management_biogenic_co2_removals: NonPositive | None = Field(
        default=None, alias="landManagementBiogenicCO2Removals")
    biogenic_co2_uptake: NonPositive | None = Field(default=None, alias="biogenicCO2Uptake")
    biogenic_non_co2_emissions: NonNegative | None = Field(default=None, alias="biogenicNonCO2Emissions")
    land_area_occupation: NonNegative | None = Field(default=None, alias="landAreaOccupation")
    aircraft_ghg_emissions: NonNegative | None = Field(default=None, alias="aircraftGhgEmissions")
    packaging_emissions_included: bool | None = Field(default=None, alias="packagingEmissionsIncluded")
    packaging_ghg_emissions: NonNegative | None = Field(default=None, alias="packagingGhgEmissions")
    packaging_biogenic_carbon_content: NonNegative | None = Field(
        default=None, alias="packagingBiogenicCarbonContent")
    outbound_logistics_ghg_emissions: NonNegative | None = Field(
        default=None, alias="outboundLogisticsGhgEmissions")
    ccs_technological_co2_capture_included: bool | None = Field(
        default=None, alias="ccsTechnologicalCO2CaptureIncluded")
    ccs_technological_co2_capture: NonPositive | None = Field(default=None, alias="ccsTechnologicalCO2Capture")
    technological_co2_capture_origin: str | None = Field(default=None, alias="technologicalCO2CaptureOrigin")
    technological_co2_removals: NonPositive | None = Field(default=None, alias="technologicalCO2Removals")
    ccu_carbon_content: NonNegative | None = Field(default=None, alias="ccuCarbonContent")
    ccu_calculation_approach: Literal["Cut-off", "Credit"] | None = Field(default=None, alias="ccuCalculationApproach")
    ccu_credit_certification: str | None = Field(default=None, alias="ccuCreditCertification")
    ipcc_characterization_factors: list[Annotated[str, Field(pattern=r"^AR\d+$")]] = Field(
        alias="ipccCharacterizationFactors", min_length=1)
    cross_sectoral_standards: list[NonEmptyText] = Field(alias="crossSectoralStandards", min_length=1)
    product_or_sector_specific_rules: list[ProductOrSectorSpecificRule] | None = Field(
        default=None, alias="productOrSectorSpecificRules")
    exempted_emissions_percent: Annotated[Dec, Field(ge=0, le=100)] = Field(alias="exemptedEmissionsPercent")
    exempted_emissions_description: str | None = Field(default=None, alias="exemptedEmissionsDescription")
    allocation_rules_description: str | None = Field(default=None, alias="allocationRulesDescription")
    secondary_emission_factor_sources: list[EmissionFactorSource] | None = Field(
        default=None, alias="secondaryEmissionFactorSources", min_length=1)
    primary_data_share: Annotated[Dec, Field(ge=0, le=100)] | None = Field(default=None, alias="primaryDataShare")
    dqi: DataQualityIndicators | None = None
    verification: PactVerification | None = None

    @field_validator("ipcc_characterization_factors", "cross_sectoral_standards")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        return _unique_items(values)

    @field_validator("reference_period_start", "reference_period_end")
    @classmethod
    def _with_offset(cls, value: datetime) -> datetime:
        return _aware(value)

    @model_validator(mode="after")
    def _consistent(self) -> CarbonFootprint:
        if self.reference_period_end < self.reference_period_start:
            raise ValueError("referencePeriodEnd is before referencePeriodStart")
        given = [g for g in (self.geography_region_or_subregion, self.geography_country,
                             self.geography_country_subdivision) if g is not None]
        if len(given) > 1:
            raise ValueError("at most one of geographyRegionOrSubregion, geographyCountry and "
                             "geographyCountrySubdivision may be given")
        if self.packaging_emissions_included is False and self.packaging_ghg_emissions is not None:
            raise ValueError("packagingGhgEmissions must be absent when packagingEmissionsIncluded is false")
        return self


def _unique_items(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("the items must be unique")
    return values


class ProductFootprint(_Wire):
    id: UUID
    spec_version: str = Field(alias="specVersion", pattern=r"^\d+\.\d+\.\d+(-\d{8})?$")
    preceding_pf_ids: list[UUID] | None = Field(default=None, alias="precedingPfIds", min_length=1)
    created: DateTime
    status: Literal["Active", "Deprecated"]
    validity_period_start: DateTime | None = Field(default=None, alias="validityPeriodStart")
    validity_period_end: DateTime | None = Field(default=None, alias="validityPeriodEnd")
    company_name: NonEmptyText = Field(alias="companyName")
    company_ids: list[Urn] = Field(alias="companyIds", min_length=1)
    product_description: str = Field(alias="productDescription")
    product_ids: list[Urn] = Field(alias="productIds", min_length=1)
    product_classifications: list[Urn] | None = Field(default=None, alias="productClassifications", min_length=1)
    product_name_company: NonEmptyText = Field(alias="productNameCompany")
    comment: str | None = None
    pcf: CarbonFootprint
    extensions: list[DataModelExtension] | None = None

    @field_validator("company_ids", "product_ids", "product_classifications")
    @classmethod
    def _unique(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _unique_items(values)

    @field_validator("created", "validity_period_start", "validity_period_end")
    @classmethod
    def _with_offset(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _aware(value)

    @model_validator(mode="after")
    def _lifecycle(self) -> ProductFootprint:
        if self.preceding_pf_ids is not None:
            _unique_items([str(u) for u in self.preceding_pf_ids])
        if (self.validity_period_start and self.validity_period_end
                and self.validity_period_end < self.validity_period_start):
            raise ValueError("validityPeriodEnd is before validityPeriodStart")
        return self

    def valid_from(self) -> datetime:
        """Start of the validity period; PACT: referencePeriodEnd when none is given."""
        return self.validity_period_start or self.pcf.reference_period_end

    def valid_until(self) -> datetime:
        """End of the validity period; PACT: 3 years after referencePeriodEnd when none is given."""
        if self.validity_period_end is not None:
            return self.validity_period_end
        end = self.pcf.reference_period_end
        try:
            return end.replace(year=end.year + 3)
        except ValueError:  # 29 February
            return end.replace(year=end.year + 3, day=28)


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class PactCompany:
    """The data owner: the exporter's name and identifiers (URNs)."""

    name: str
    company_ids: tuple[str, ...]


CROSS_SECTORAL = {"ISO 14067": "ISO14067"}  # a phrase in the result's `standard` -> PACT value


def _dec(value: float) -> Decimal:
    # repr gives the shortest text that reads back as the same float, so nothing is rounded away
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return Decimal(repr(value)) + 0


def _percent(share: float) -> Decimal:
    return _dec(share) * 100


def urn_part(text: str) -> str:
    """Text as one part of a URN (RFC 8141): percent-encoded, ':' too so parts stay apart."""
    return quote(text, safe="-._~!$&'()*+,;=@")


def product_urn(domain: str, product_id: str) -> str:
    """The spec's form for identifiers without an IANA namespace: urn:pact:$domain$:$type$:$value$."""
    return f"urn:pact:{urn_part(domain)}:product-id:{urn_part(product_id)}"


def _declared_unit(product: Product, result: FootprintResult) -> tuple[str, Decimal]:
    unit_text, amount = result.declared_unit.unit, result.declared_unit.amount
    try:
        ours = parse_unit(unit_text)
    except UnknownUnit as exc:
        raise PactExportRefused(product.id, "declaredUnitOfMeasurement", str(exc)) from None
    ureg = registry()
    for pact_name, project_unit in PACT_UNITS.items():
        if project_unit is None:
            continue
        target = parse_unit(project_unit)
        if ureg.get_dimensionality(ours) == ureg.get_dimensionality(target):
            factor = ureg.Quantity(1.0, ours).to(target).magnitude
            return pact_name, _dec(amount * factor)
    raise PactExportRefused(product.id, "declaredUnitOfMeasurement",
                            f"the declared unit {unit_text!r} has no PACT counterpart "
                            f"(PACT units: {', '.join(PACT_UNITS)})")


def _mass_per_declared_unit(product: Product, unit: str, amount: Decimal) -> Decimal:
    if unit == "kilogram":
        return amount
    if unit in MASSLESS_UNITS:
        return Decimal(0)
    if product.mass_kg is None:
        raise PactExportRefused(product.id, "productMassPerDeclaredUnit",
                                f"required for a declared unit in {unit!r}: set product.mass_kg "
                                "(the mass of one declared unit, excluding packaging)")
    return _dec(product.mass_kg)


def _geography(region: str) -> dict[str, str]:
    code = region.strip().upper()
    if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", code):
        return {"geography_country_subdivision": code}
    if re.fullmatch(r"[A-Z]{2}", code):
        return {"geography_country": code}
    return {}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _non_negative(product_id: str, wire_name: str, value: Decimal, what: str) -> Decimal:
    if value < 0:
        raise PactExportRefused(product_id, wire_name,
                                f"{what} is {decimal_text(value)} kg CO2e per declared unit; PACT requires "
                                ">= 0 (credits cannot be netted into this field)")
    return value


def export_footprint(
    result: FootprintResult,
    product: Product,
    *,
    pf_id: UUID,
    created: datetime,
    company: PactCompany,
    id_domain: str,
    status: Literal["Active", "Deprecated"] = "Active",
    preceding_pf_ids: Iterable[UUID] = (),
    verification: PactVerification | None = None,
) -> ProductFootprint:
    """The PACT v3 ProductFootprint of a footprint result and the product it was computed for.

    `pf_id` is the id of this footprint (a changed footprint is a new id; the ids it replaces go
    in `preceding_pf_ids`). `id_domain` is the domain of the issuer used in product URNs
    (urn:pact:$domain$:product-id:$id$). Raises PactExportRefused naming the field when the
    data lacks something PACT requires; nothing is invented (docs/pact.md)."""
    pid = product.id
    if result.product_id != pid:
        raise PactExportRefused(pid, "productIds",
                                f"the footprint was computed for product {result.product_id!r}, not {pid!r}")
    if not result.complete:
        raise PactExportRefused(pid, "pcfExcludingBiogenicUptake",
                                "the footprint is incomplete (unlinked lines: "
                                f"{', '.join(result.unlinked_lines) or 'unknown'})")
    exchange = product.pact
    if exchange is None or exchange.fossil_carbon_content_kgc is None:
        raise PactExportRefused(pid, "fossilCarbonContent",
                                "mandatory in PACT v3 and not known for this product: set "
                                "product.pact.fossil_carbon_content_kgc (kg C per declared unit)")
    unit, amount = _declared_unit(product, result)
    standards = [value for phrase, value in CROSS_SECTORAL.items() if phrase in result.standard]
    if not standards:
        raise PactExportRefused(pid, "crossSectoralStandards",
                                f"the result's standard {result.standard!r} names no standard PACT lists")

    # emissions published only as aggregate CO2e are neither fossil nor biogenic by source; PACT
    # has no field for them, so they are reported as fossil (never claimed biogenic) and named in
    # the comment
    fossil = _non_negative(pid, "fossilGhgEmissions",
                           _dec(result.fossil_kgco2e) + _dec(result.co2e_unsplit_kgco2e), "fossil + unsplit")
    # null in our result = some factor did not assess land-use change: the optional PACT field stays
    # absent rather than claiming 0
    luc = (None if result.land_use_change_kgco2e is None else
           _non_negative(pid, "landUseChangeGhgEmissions", _dec(result.land_use_change_kgco2e), "land-use change"))
    biogenic_non_co2 = result.by_gas.get("ch4_biogenic")

    rules = None
    if product.product_rule and exchange.product_rule_operator:
        op = exchange.product_rule_operator
        known = op if op in ("PEF", "EPD International") else "Other"
        rules = [ProductOrSectorSpecificRule(operator=known, rule_names=[product.product_rule],
                                             other_operator_name=None if known != "Other" else op)]
    sources = sorted({(f.source, str(f.year)) for f in result.factors if f.source.strip()})
    stages = ", ".join(stage.replace("_", " ") for stage in result.by_stage)
    packaging = result.by_stage.get("packaging")

    comment = (f"Computed by carbonlabel {result.provenance.code_version} on factor snapshot "
               f"{result.provenance.snapshot_name} (sha256 {result.provenance.snapshot_hash}), "
               f"GWP100 {result.method}, {result.standard}.")
    if result.co2e_unsplit_kgco2e:
        comment += (f" fossilGhgEmissions includes {decimal_text(_dec(result.co2e_unsplit_kgco2e))} kg CO2e "
                    "that the sources published only as aggregate CO2e (not split by origin).")
    # our removals are the suppliers' technologicalCO2Removals + landManagementBiogenicCO2Removals summed
    # into one figure (footprint/bom.py SupplierPCF.removals): which field each part came from is not
    # kept, so claiming either v3 field could misstate the kind of removal; both stay absent and the
    # figure (already inside both pcf totals) is stated in the comment
    if result.removals_kgco2e:
        comment += (f" The totals include {decimal_text(_dec(result.removals_kgco2e))} kg CO2e of CO2 removals "
                    "that suppliers reported as technological or land-management removals (not attributed "
                    "to either).")

    pcf = CarbonFootprint(
        declared_unit_of_measurement=unit,
        declared_unit_amount=amount,
        product_mass_per_declared_unit=_mass_per_declared_unit(product, unit, amount),
        reference_period_start=_midnight(result.reference_period.start),
        # our period ends on an inclusive date; PACT's end is exclusive: the next midnight
        reference_period_end=_midnight(result.reference_period.end + timedelta(days=1)),
        **_geography(result.site_region),
        boundary_processes_description=f"{result.boundary}: {stages}" if stages else result.boundary,
        pcf_excluding_biogenic_uptake=_dec(result.pcf_excluding_biogenic_uptake),
        pcf_including_biogenic_uptake=_dec(result.pcf_including_biogenic_uptake),
        fossil_carbon_content=_dec(exchange.fossil_carbon_content_kgc),
        biogenic_carbon_content=(None if exchange.biogenic_carbon_content_kgc is None
                                 else _dec(exchange.biogenic_carbon_content_kgc)),
        fossil_ghg_emissions=fossil,
        land_use_change_ghg_emissions=luc,
        biogenic_co2_uptake=_dec(result.biogenic_uptake_kgco2e),
        biogenic_non_co2_emissions=None if biogenic_non_co2 is None else _dec(biogenic_non_co2),
        packaging_emissions_included=True if packaging is not None else None,
        packaging_ghg_emissions=(None if packaging is None or packaging < 0 else _dec(packaging)),
        ipcc_characterization_factors=[result.method],
        cross_sectoral_standards=standards,
        product_or_sector_specific_rules=rules,
        exempted_emissions_percent=_percent(result.exclusions_total_share),
        exempted_emissions_description=("; ".join(
            f"{e.name} ({decimal_text(_percent(e.estimated_share))} %): {e.reason}" for e in result.exclusions)
            or None),
        secondary_emission_factor_sources=([EmissionFactorSource(name=n, version=v) for n, v in sources]
                                           or None),
        primary_data_share=_percent(result.primary_data_share),
        dqi=(None if result.dqr is None else DataQualityIndicators(
            technological_dqr=_dec(result.dqr.technological), geographical_dqr=_dec(result.dqr.geographical),
            temporal_dqr=_dec(result.dqr.temporal))),
        verification=verification,
    )
    classifications = list(exchange.classifications)
    if product.cn_code:
        classifications.append(f"urn:pact:productclassification:cn:{product.cn_code}")
    preceding = list(dict.fromkeys(preceding_pf_ids))
    if pf_id in preceding:
        raise PactExportRefused(pid, "precedingPfIds", f"names the footprint's own id {pf_id}")
    return ProductFootprint(
        id=pf_id,
        spec_version=SPEC_VERSION,
        preceding_pf_ids=preceding or None,
        created=created,
        status=status,
        company_name=company.name,
        company_ids=list(dict.fromkeys(company.company_ids)),
        product_description=exchange.description or f"{product.name} ({product.category})",
        product_ids=list(dict.fromkeys([product_urn(id_domain, pid), *exchange.product_ids])),
        product_classifications=list(dict.fromkeys(classifications)) or None,
        product_name_company=product.name,
        comment=comment,
        pcf=pcf,
    )


# --------------------------------------------------------------------------- reading

# Fields of v2 (spec/v2/openapi.yaml) that v3 removed or renamed, by object. A v3 document
# carrying one of them is refused (the schema alone lets them through: no additionalProperties).
OBSOLETE_FIELDS: dict[str, frozenset[str]] = {
    "ProductFootprint": frozenset({"version", "updated", "statusComment", "productCategoryCpc"}),
    "CarbonFootprint": frozenset({
        "declaredUnit", "unitaryProductAmount", "pCfExcludingBiogenic", "pCfIncludingBiogenic",
        "dLucGhgEmissions", "iLucGhgEmissions", "landManagementGhgEmissions", "biogenicCarbonWithdrawal",
        "otherBiogenicGhgEmissions", "crossSectoralStandardsUsed", "characterizationFactors",
        "ipccCharacterizationFactorsSources", "biogenicAccountingMethodology",
        "uncertaintyAssessmentDescription", "assurance",
    }),
    "DataQualityIndicators": frozenset({"coveragePercent", "completenessDQR", "reliabilityDQR"}),
    "Verification": frozenset({"assurance", "boundary", "level"}),
}


# Of those, the v2 lifecycle fields are refused when a v3 document carries them: they say the
# footprint was changed in place, which v3 forbids, so the reader cannot know which footprint it
# holds. The others carry no v3 meaning and are ignored and reported (the spec's own valid
# examples get-footprint-response.json and list-footprints-response.json carry
# biogenicAccountingMethodology; invalid-response-all-properties.json carries `updated`).
REFUSED_ON_READ = frozenset({"version", "updated", "statusComment"})


@dataclass
class _ReadNotes:
    ignored: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


@dataclass
class PactDocument:
    """What a PACT file held: its footprints (as v3), the shape it came in, and what was done."""

    footprints: list[ProductFootprint]
    shape: Literal["footprint", "list", "response", "list-response", "fulfilled-event"]
    source_versions: list[str]
    converted: list[str] = field(default_factory=list)  # v2 -> v3 conversions, one line each
    ignored: list[str] = field(default_factory=list)  # unknown fields, by JSON path
    obsolete: list[str] = field(default_factory=list)  # obsolete v2 fields ignored, by JSON path
    notes: list[str] = field(default_factory=list)  # anything else the reader set aside

    def report(self) -> list[str]:
        """One line per thing the reader did besides reading, for the user."""
        lines = [f"converted: {c}" for c in self.converted]
        lines += [f"obsolete v2 field ignored: {o}" for o in self.obsolete]
        lines += [f"unknown field ignored: {i}" for i in self.ignored]
        return lines + self.notes


def _model_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset((f.alias or name) for name, f in model.model_fields.items())


_KNOWN: dict[str, frozenset[str]] = {
    "ProductFootprint": _model_fields(ProductFootprint),
    "CarbonFootprint": _model_fields(CarbonFootprint),
    "DataQualityIndicators": _model_fields(DataQualityIndicators),
    "Verification": _model_fields(PactVerification),
}


def _check_fields(source: str, path: str, obj: object, kind: str, notes: _ReadNotes) -> None:
    if not isinstance(obj, dict):
        return
    for key, value in obj.items():
        if kind == "ProductFootprint" and key in REFUSED_ON_READ:
            raise ObsoletePactField(source, f"{path}.{key}", value,
                                    f"{key!r} is a v2 lifecycle field that PACT v3 made obsolete (in v3 a "
                                    "changed footprint is a new id listed in precedingPfIds); a v3 "
                                    "ProductFootprint must not carry it")
        if key in OBSOLETE_FIELDS[kind]:
            notes.obsolete.append(f"{path}.{key}")
        elif key not in _KNOWN[kind]:
            notes.ignored.append(f"{path}.{key}")
    if kind == "ProductFootprint":
        _check_fields(source, f"{path}.pcf", obj.get("pcf"), "CarbonFootprint", notes)
    elif kind == "CarbonFootprint":
        _check_fields(source, f"{path}.dqi", obj.get("dqi"), "DataQualityIndicators", notes)
        _check_fields(source, f"{path}.verification", obj.get("verification"), "Verification", notes)


def _validation_error(source: str, path: str, exc: ValidationError, data: object) -> InvalidPactDocument:
    first = exc.errors(include_url=False)[0]
    where = path + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    value = first.get("input") if first["type"] != "missing" else None
    reason = "required field is missing" if first["type"] == "missing" else first["msg"]
    more = len(exc.errors()) - 1
    if more:
        reason += f" (and {more} more problem{'s' if more > 1 else ''})"
    return InvalidPactDocument(source, where, value, reason)


def parse_product_footprint(data: object, source: str = "<pact>", path: str = "$",
                            notes: _ReadNotes | None = None) -> ProductFootprint:
    """One v3 ProductFootprint: v2 lifecycle fields refused, other obsolete and unknown fields
    listed in `notes`, a self-reference in precedingPfIds dropped (the spec's example-2 has one)."""
    if not isinstance(data, dict):
        raise InvalidPactDocument(source, path, data, "a ProductFootprint is a JSON object")
    notes = notes if notes is not None else _ReadNotes()
    _check_fields(source, path, data, "ProductFootprint", notes)
    preceding = data.get("precedingPfIds")
    own = str(data.get("id", "")).lower()
    if isinstance(preceding, list) and own and any(str(x).lower() == own for x in preceding):
        rest = [x for x in preceding if str(x).lower() != own]
        data = {**data, "precedingPfIds": rest or None}
        notes.other.append(f"{path}.precedingPfIds names the footprint itself; that entry was dropped")
    try:
        return ProductFootprint.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(source, path, exc, data) from None


def read_pact_document(data: object, source: str = "<pact>") -> PactDocument:
    """The footprints of a PACT JSON document: a ProductFootprint, a list of them, a
    `{"data": ...}` response of GetFootprint / ListFootprints, or a RequestFulfilledEvent.
    v2 footprints (specVersion 2.x) are converted to v3 and every conversion is reported."""
    from footprint.pact_v2 import convert_v2  # the v2 reader is only needed for v2 files

    shape: str
    if isinstance(data, list):
        items, shape, base = data, "list", "$"
    elif isinstance(data, dict) and str(data.get("type", "")).endswith("RequestFulfilledEvent.3"):
        payload = data.get("data")
        pfs = payload.get("pfs") if isinstance(payload, dict) else None
        shape, base = "fulfilled-event", "$.data.pfs"
        if not isinstance(pfs, list) or not pfs:
            raise InvalidPactDocument(source, base, None, "a RequestFulfilledEvent carries a non-empty data.pfs")
        items = pfs
    elif isinstance(data, dict) and {"code", "message"} <= set(data) and "id" not in data:
        raise InvalidPactDocument(source, "$.code", data.get("code"),
                                  f"a PACT error response ({data.get('message')!r}), not a footprint")
    elif isinstance(data, dict) and "data" in data and "id" not in data:
        inner = data["data"]
        if isinstance(inner, list):
            items, shape, base = inner, "list-response", "$.data"
        else:
            items, shape, base = [inner], "response", "$.data"
    elif isinstance(data, dict):
        items, shape, base = [data], "footprint", "$"
    else:
        raise InvalidPactDocument(source, "$", data, "not a PACT document (expected a JSON object or list)")

    footprints: list[ProductFootprint] = []
    versions: list[str] = []
    converted: list[str] = []
    notes = _ReadNotes()
    for i, item in enumerate(items):
        path = base if shape in ("footprint", "response") else f"{base}[{i}]"
        version = item.get("specVersion") if isinstance(item, dict) else None
        if not isinstance(version, str) or not re.match(r"^\d+\.\d+\.\d+(-\d{8})?$", version):
            raise InvalidPactDocument(source, f"{path}.specVersion", version,
                                      "specVersion must be a version such as \"3.0.0\"")
        major = version.split(".")[0]
        versions.append(version)
        if major == "2":
            item, conversions = convert_v2(item, source, path)
            converted.extend(f"{path}: {note}" for note in conversions)
        elif major != "3":
            raise InvalidPactDocument(source, f"{path}.specVersion", version,
                                      "only PACT v3 (and v2, converted) footprints are read")
        footprints.append(parse_product_footprint(item, source, path, notes))
    if not footprints and shape != "list-response":
        raise InvalidPactDocument(source, base, None, "the document holds no footprint")
    return PactDocument(footprints=footprints, shape=shape, source_versions=versions,  # type: ignore[arg-type]
                        converted=converted, ignored=notes.ignored, obsolete=notes.obsolete,
                        notes=notes.other)


# A fixed namespace for the ids of exported footprints (uuid5 over what the footprint says).
PF_ID_NAMESPACE = UUID("7d1c7a52-3a4e-4b8e-9f59-1e0c2f6b8a31")


def derived_pf_id(result: FootprintResult, product: Product, company: PactCompany) -> UUID:
    """A stable id for an exported footprint: the same computation of the same product by the same
    company gives the same id, and any change (BOM, snapshot, method, the product's PACT data)
    gives a new one, as PACT's lifecycle wants. Used when the caller has no stored id."""
    key = "|".join([
        result.provenance.input_hash, result.provenance.snapshot_hash, result.method, result.product_id,
        product.model_dump_json(), company.name, *company.company_ids,
    ])
    return uuid5(PF_ID_NAMESPACE, key)
