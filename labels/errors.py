"""The one exception hierarchy of `labels/`: every error names the file, field, id or date at fault."""

from __future__ import annotations

from lcidb.errors import CarbonlabelError


class LabelsError(CarbonlabelError):
    """Base of every error raised by the label rules."""


class RuleSetInvalid(LabelsError):
    """A rule-set YAML file breaks the format (duplicate key, float literal, undated value, ...)."""


class UnknownScheme(LabelsError):
    """No rule set exists for the requested scheme id."""


class UnknownVersion(LabelsError):
    """The scheme exists but has no version with the requested id."""


class NoVersionInForce(LabelsError):
    """The scheme has no version in force on the requested date."""


class NoValueOnDate(LabelsError):
    """A dated parameter has no value on or before the requested date."""


class NotGradedScheme(LabelsError):
    """Grading was asked of a scheme that only recognises or displays other schemes' certificates."""


class InputInvalid(LabelsError):
    """Evidence, certificate or footprint JSON does not validate; the message names the field."""


class ProductMismatch(LabelsError):
    """Footprint and evidence (or certificate) describe different products or declared units."""


class BenchmarkInvalid(LabelsError):
    """Benchmark members or an official benchmark entry are malformed."""
