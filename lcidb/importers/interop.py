"""openLCA JSON-LD (olca-schema) and EcoSpold2 datasets -> the Brightway-style records that
lcidb.importers.bw converts into a template folder, with the same not-imported report.

bw2io reads the files (JSONLDExtractor, Ecospold2DataExtractor); bw2io's importers are not used past
extraction because their strategies link to ecoinvent's biosphere and, for JSON-LD, split products
from processes, while the project links to its own small flow table. Here:

- elementary flows are matched by their uuid against the biosphere3 uuids of
  data/methods/gwp100.csv (ecoinvent's elementaryExchangeId and openLCA's reference-list flow ids
  are those uuids), then by name and compartment like the other importers;
- technosphere inputs are linked to the dataset of this folder that provides them: JSON-LD by the
  exchange's defaultProvider, else the one process whose reference flow it is; EcoSpold2 by
  activityLinkId, else the one dataset whose reference product it is. An input provided by nothing
  in the folder leaves its activity (and whatever uses it) out, reported;
- openLCA avoided products become credits (avoided_burden); a second product output makes the
  process multi-output (not imported, allocate first); lognormal uncertainties keep their sigma
  (JSON-LD: ln of the geometric standard deviation; EcoSpold2: sqrt of the variance with pedigree).

"Row" in the report is the dataset's number in file-name order (these formats have no rows).
"""

from __future__ import annotations

import contextlib
import io
import math
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from lcidb.errors import ImportReportError
from lcidb.flows import flow_table

LOGNORMAL = 2  # stats_arrays id


def flow_code_by_uuid() -> dict[str, str]:
    return {flow.biosphere3_uuid: code for code, flow in flow_table().items() if flow.biosphere3_uuid}


def _compartments(category: str | None, is_input: bool) -> tuple[str, ...]:
    """openLCA category path ("Elementary flows/Emission to air/unspecified") -> ("air", "unspecified")."""
    parts = [p.strip().lower() for p in (category or "").split("/") if p.strip()]
    parts = [p for p in parts if p != "elementary flows"]
    if not parts:
        return ("natural resource",) if is_input else ("",)
    top = parts[0]
    for word, compartment in (("resource", "natural resource"), ("air", "air"), ("water", "water"), ("soil", "soil")):
        if word in top:
            return (compartment, *parts[1:])
    return tuple(parts)


def _open_project() -> None:
    from lcidb.brightway import open_project

    open_project()  # bw2io needs a bw2data project: the one under CARBONLABEL_HOME, never ~/


def read_jsonld(path: Path) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """A JSON-LD folder (or zip) -> (database name, Brightway-style datasets, parameters)."""
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():  # never write outside the temporary folder
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise ImportReportError(f"{path}: unsafe member name {member!r} in the zip")
                archive.extractall(tmp)
            return _read_jsonld_folder(Path(tmp), path)
    if not path.is_dir():
        raise ImportReportError(f"{path}: not an openLCA JSON-LD folder or zip")
    return _read_jsonld_folder(path, path)


def _read_jsonld_folder(folder: Path, shown: Path) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    _open_project()
    from bw2io.extractors.json_ld import JSONLDExtractor

    try:
        raw = JSONLDExtractor.extract(folder, add_filename=False)
    except Exception as exc:  # JSON decoding, layout  # noqa: BLE001
        raise ImportReportError(f"{shown}: not an openLCA JSON-LD export ({type(exc).__name__}: {exc})") from None
    processes = raw.get("processes") or {}
    if not processes:
        raise ImportReportError(f"{shown}: no processes/ folder with process datasets")
    flows = raw.get("flows") or {}
    by_uuid = flow_code_by_uuid()

    def reference(process: dict[str, Any]) -> dict[str, Any] | None:
        refs = [e for e in process.get("exchanges", []) if e.get("isQuantitativeReference")]
        return refs[0] if len(refs) == 1 else None

    providers: dict[str, list[str]] = {}  # product flow id -> processes with it as reference
    for pid, process in processes.items():
        ref = reference(process)
        if ref is not None:
            providers.setdefault(ref["flow"]["@id"], []).append(pid)

    def location(process: dict[str, Any]) -> str:
        loc = process.get("location") or {}
        return str(loc.get("name") or loc.get("code") or "GLO")

    data: list[dict[str, Any]] = []
    for number, (pid, process) in enumerate(sorted(processes.items()), start=1):
        ref = reference(process)
        documentation = process.get("processDocumentation") or {}
        valid_from = str(documentation.get("validFrom") or "")
        ds: dict[str, Any] = {
            "name": process.get("name"), "location": location(process), "code": pid,
            "unit": ((ref or {}).get("unit") or {}).get("name"), "_row": number, "exchanges": [],
            "source": f"openLCA JSON-LD {shown.name}, processes/{pid}.json",
        }
        if valid_from[:4].isdigit():
            ds["year"] = int(valid_from[:4])
        for exchange in process.get("exchanges", []):
            flow_ref = exchange.get("flow") or {}
            flow = flows.get(flow_ref.get("@id"), flow_ref)
            flow_type = flow.get("flowType") or flow_ref.get("flowType")
            record: dict[str, Any] = {
                "name": flow.get("name"), "amount": exchange.get("amount", 0), "_row": number,
                "unit": (exchange.get("unit") or {}).get("name"),
            }
            uncertainty = exchange.get("uncertainty") or {}
            if uncertainty.get("distributionType") == "LOG_NORMAL_DISTRIBUTION" and uncertainty.get("geomSd"):
                record.update({"uncertainty type": LOGNORMAL, "scale": math.log(float(uncertainty["geomSd"]))})
            is_input = bool(exchange.get("isInput"))
            if flow_type == "ELEMENTARY_FLOW":
                record["type"] = "biosphere"
                record["categories"] = _compartments(flow.get("category"), is_input)
                code = by_uuid.get(str(flow_ref.get("@id")))
                if code:
                    record["_flow_code"] = code
            elif exchange is ref or (not is_input and not exchange.get("isAvoidedProduct") and flow_type == "PRODUCT_FLOW"):
                record["type"] = "production"  # a second one makes the process multi-output (reported)
            elif flow_type == "PRODUCT_FLOW":
                record["type"] = "substitution" if exchange.get("isAvoidedProduct") else "technosphere"
                provider = (exchange.get("defaultProvider") or {}).get("@id")
                if provider is None and len(providers.get(str(flow_ref.get("@id")), [])) == 1:
                    provider = providers[flow_ref["@id"]][0]
                target = processes.get(provider) if provider else None
                if target is not None:
                    record["name"], record["location"] = target.get("name"), location(target)
                else:
                    record["location"] = "(no provider in this file)"
            else:
                record["type"] = f"{str(flow_type).lower()} ({'input' if is_input else 'output'})"
            ds["exchanges"].append(record)
        data.append(ds)
    return shown.stem, data, {}


def read_ecospold2(path: Path) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """A folder of .spold files (or one file) -> (database name, Brightway-style datasets, parameters)."""
    _open_project()
    from bw2io.extractors.ecospold2 import Ecospold2DataExtractor

    db_name = path.stem if path.is_file() else path.name
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            extracted = Ecospold2DataExtractor.extract(path, db_name, use_mp=False)
    except Exception as exc:  # lxml and the extractor raise many types on a file that is not EcoSpold2  # noqa: BLE001
        raise ImportReportError(f"{path}: not EcoSpold2 ({type(exc).__name__}: {exc})") from None
    extracted.sort(key=lambda ds: ds["filename"])
    by_activity = {ds["activity"]: ds for ds in extracted}
    providers: dict[str, list[dict[str, Any]]] = {}
    for ds in extracted:
        for exchange in ds["exchanges"]:
            if exchange["type"] == "production" and exchange.get("amount", 0) > 0:
                providers.setdefault(exchange["flow"], []).append(ds)
    by_uuid = flow_code_by_uuid()
    for number, ds in enumerate(extracted, start=1):
        ds["_row"] = number
        ds["source"] = f"EcoSpold2 {ds['filename']}, activity {ds['activity']}"
        productions = [e for e in ds["exchanges"] if e["type"] == "production"]
        ds["unit"] = productions[0].get("unit") if productions else None
        ds["code"] = ds["activity"]
        start = str(ds.get("start_date") or "")
        if start[:4].isdigit():
            ds["year"] = int(start[:4])
        ds.pop("parameters", None)  # variables of formulas; amounts are already evaluated in the file
        for exchange in ds["exchanges"]:
            exchange["_row"] = number
            exchange.pop("formula", None)
            if exchange["type"] == "biosphere":
                code = by_uuid.get(exchange.get("flow"))
                if code:
                    exchange["_flow_code"] = code
                exchange.setdefault("categories", ("",))
            elif exchange["type"] == "technosphere":
                link = exchange.get("activity")
                target = by_activity.get(link) if link else None
                if target is None and not link and len(providers.get(exchange.get("flow"), [])) == 1:
                    target = providers[exchange["flow"]][0]
                if target is not None:
                    exchange["name"], exchange["location"] = target["name"], target["location"]
                else:
                    exchange["database"] = f"activity {link} (not in {path.name})" if link else "(no provider in this folder)"
    return db_name, extracted, {}
