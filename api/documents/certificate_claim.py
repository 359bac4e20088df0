"""The carbon-neutral claim's page of a T4 certificate PDF (issue 16): in each of the certificate's languages,
the signed claim text (what was offset and how) and the retired credits with their serial ranges or registry
record ids. A separate block beside the certificate page: the claim text comes from the signed document, the
lots from the claim's retirement-ledger records (`api.usecases.claims.certificate_lots`)."""

from __future__ import annotations

from typing import Any

from labels.certificate_document import CertificateDocument

CLAIM_TEXT: dict[str, dict[str, str]] = {
    "zh-CN": {"title": "碳中和声明", "lots": "已注销的碳信用", "programme": "减排量机制", "registry": "登记系统",
              "project": "项目", "serials": "序列号范围 / 注销记录编号", "quantity": "数量（t CO₂e）",
              "retired": "注销日期", "not_netted": "证书所列碳足迹为抵销前数值，碳信用不计入碳足迹。"},
    "zh-TW": {"title": "碳中和聲明", "lots": "已註銷的碳信用", "programme": "減排量機制", "registry": "登記系統",
              "project": "項目", "serials": "序號範圍 / 註銷記錄編號", "quantity": "數量（t CO₂e）",
              "retired": "註銷日期", "not_netted": "證書所列碳足跡為抵銷前數值，碳信用不計入碳足跡。"},
    "en": {"title": "Carbon-neutral claim", "lots": "Retired carbon credits", "programme": "Programme",
           "registry": "Registry", "project": "Project", "serials": "Serial range / retirement record id",
           "quantity": "Quantity (t CO₂e)", "retired": "Retired on",
           "not_netted": "The footprint on the certificate is the value before offsetting; credits are never netted into it."},
}
LOT_FIELDS = ("programme", "registry", "project_id", "project_name", "methodology", "vintage", "serial_range",
              "retirement_record_id", "quantity_tco2e", "retired_on")


def claim_block(document: CertificateDocument, lots: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """What the claim page shows, or None for a certificate without a neutral claim."""
    if not document.neutral_claim:
        return None
    return {"text": CLAIM_TEXT, "claim": document.neutral_claim,
            "lots": [{k: lot.get(k) for k in LOT_FIELDS} for lot in lots or []]}
