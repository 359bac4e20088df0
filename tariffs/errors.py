"""Errors of the tariffs package. Each message carries its locator (file, line, field, value, date)."""

from __future__ import annotations

from lcidb.errors import CarbonlabelError


class TariffsError(CarbonlabelError):
    """Base of every tariffs error."""


class LineInputError(TariffsError):
    """One import line is malformed or inconsistent; names the source, line, field and value."""

    def __init__(self, line: int | None, field: str | None, value: object, reason: str, source: str = "lines"):
        self.source, self.line, self.field, self.value, self.reason = source, line, field, value, reason
        where = source + (f", line {line}" if line is not None else "")
        what = f", field {field!r}" if field else ""
        super().__init__(f"{where}{what}: {reason} (value: {value!r})")


class UnknownCNCode(LineInputError):
    """A CN code that is malformed, or inside the CBAM scope but absent from the reference tables."""


class CarbonPriceWithDefaults(LineInputError):
    """A carbon price paid abroad declared on a DEFAULT-basis line while no Commission default price exists."""


class MissingActualValue(LineInputError):
    """ACTUAL basis without a verified specific embedded emissions value."""


class UnsupportedGood(LineInputError):
    """A good in scope that this calculator does not price (electricity, v1)."""


class AmbiguousPriorMass(TariffsError):
    """--prior-mass-t given but the importer or the calendar year it applies to is not unique."""


class ParameterMissing(TariffsError):
    """A tariff parameter has no value at the requested date (names parameter and date)."""


class ParameterFileError(TariffsError):
    """A parameter YAML file is malformed (names file and parameter)."""


class ReferenceDataError(TariffsError):
    """A default-value or benchmark table is malformed or lacks a needed value (names file/row/code)."""


class DefaultValueNotFound(ReferenceDataError):
    """No default value for a CN code in the country table nor in the 'Other countries' table."""


class BenchmarkNotFound(ReferenceDataError):
    """No Column B benchmark for a CN code and production route / period."""


class CountryTableUnavailable(ReferenceDataError):
    """The loaded default-value tables do not include the country of origin (curated data: China only)."""


class DerivationError(LineInputError):
    """A BOM / footprint cannot be mapped to an indicative CBAM value (names the import line and BOM line)."""
