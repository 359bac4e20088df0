"""PACT v3 footprint files (docs/pact.md): export ours, read a partner's, use one in a BOM.
The use cases behind `carbonlabel pact ...`; the service's PACT exchange is api/usecases/pact.py.

Errors are the domain's: FootprintError (PactError for a bad PACT document), naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from footprint.bom import BOM
from footprint.result import FootprintResult


def export_file_footprint(
    result: FootprintResult, bom_file: Path, *, company_name: str, company_ids: tuple[str, ...], id_domain: str,
    pf_id: UUID | None, created: datetime, preceding: list[UUID],
) -> dict[str, Any]:
    """A footprint result as a PACT v3 ProductFootprint (wire JSON), its product taken from the BOM file
    it was computed from; the id is derived from the computation when none is given."""
    from footprint.bom_io import read_bom
    from footprint.pact import PactCompany, derived_pf_id, export_footprint

    company = PactCompany(name=company_name, company_ids=company_ids)
    product = read_bom(bom_file).product
    pid = pf_id if pf_id is not None else derived_pf_id(result, product, company)
    pf = export_footprint(result, product, pf_id=pid, created=created, company=company, id_domain=id_domain,
                          preceding_pf_ids=preceding)
    return pf.wire()


def read_document(data: object, source: str) -> Any:
    """The footprints of a PACT JSON document (v2 converted to v3, each conversion reported)."""
    from footprint.pact import read_pact_document

    return read_pact_document(data, source)


def use_in_bom(bom_file: Path, line_id: str, footprint: Any, *, on: date) -> BOM:
    """A copy of the BOM in `bom_file` whose line `line_id` books the supplier's PACT footprint."""
    from footprint.bom_io import read_bom
    from footprint.pact_supplier import use_pact_in_bom

    return use_pact_in_bom(read_bom(bom_file), line_id, footprint, on=on)
