"""Importers: each converts one external source into a TEMPLATE FOLDER (activities.csv +
exchanges.csv, see lcidb/template.py) and returns an ImportReport naming every source row that was
not imported and why. Importers never touch the shipped data or a snapshot; build one with
`carbonlabel db build --source DIR`."""

from __future__ import annotations

from lcidb.importers.report import ImportReport
from lcidb.importers.writer import TemplateWriter

__all__ = ["ImportReport", "TemplateWriter"]
