"""The certificate PDF: one page each in 简体中文, 繁體中文 and English, with the on-pack label and QR code.

Rendered from the signed document alone (labels.certificate_document), so the PDF always shows exactly
what was signed.
"""

from __future__ import annotations

import re
from typing import Any

import qrcode
import qrcode.image.svg
from markupsafe import Markup

from api.documents.certificate_claim import claim_block
from api.documents.label import label_svg
from api.documents.pages import render_page
from labels.certificate_document import CertificateDocument

LANGUAGES = ("zh-CN", "zh-TW", "en")

TEXT: dict[str, dict[str, str]] = {
    "zh-CN": {
        "title": "产品碳足迹标识证书",
        "product": "产品",
        "organisation": "申请单位",
        "number": "证书编号",
        "scheme": "标识方案",
        "tier": "标识等级",
        "value": "碳足迹（每声明单位）",
        "boundary": "系统边界",
        "standard": "评价标准",
        "method": "特征化方法",
        "method_share": "的总量按此计算；其余按因子来源发布时所用的 GWP 值",
        "period": "数据时间范围",
        "validity": "有效期",
        "rules": "规则版本",
        "snapshot": "数据库快照",
        "issuer": "发证机构",
        "body": "认证机构（认可编号）",
        "approved": "批准人",
        "key": "签名密钥",
        "supersedes": "替代证书",
        "verify": "扫码或访问以下网址核验证书状态",
        "to": "至",
        "signed": "本证书以 Ed25519 对 RFC 8785 规范化 JSON 签名。",
        "cradle-to-gate": "摇篮到大门",
        "cradle-to-grave": "摇篮到坟墓",
        "grade": "等级",
    },
    "zh-TW": {
        "title": "產品碳足跡標識證書",
        "product": "產品",
        "organisation": "申請單位",
        "number": "證書編號",
        "scheme": "標識方案",
        "tier": "標識等級",
        "value": "碳足跡（每宣告單位）",
        "boundary": "系統邊界",
        "standard": "評價標準",
        "method": "特性化方法",
        "method_share": "的總量按此計算；其餘按因子來源發布時所用的 GWP 值",
        "period": "數據時間範圍",
        "validity": "有效期",
        "rules": "規則版本",
        "snapshot": "資料庫快照",
        "issuer": "發證機構",
        "body": "認證機構（認可編號）",
        "approved": "核准人",
        "key": "簽章金鑰",
        "supersedes": "取代證書",
        "verify": "掃描或造訪以下網址核驗證書狀態",
        "to": "至",
        "signed": "本證書以 Ed25519 對 RFC 8785 規範化 JSON 簽章。",
        "cradle-to-gate": "搖籃到大門",
        "cradle-to-grave": "搖籃到墳墓",
        "grade": "等級",
    },
    "en": {
        "title": "Product Carbon Footprint Label Certificate",
        "product": "Product",
        "organisation": "Applicant",
        "number": "Certificate number",
        "scheme": "Label scheme",
        "tier": "Tier / grade",
        "value": "Carbon footprint per declared unit",
        "boundary": "System boundary",
        "standard": "Standard",
        "method": "Characterisation",
        "method_share": "of the total; the rest under the GWP sets the factors' sources published",
        "period": "Reference period",
        "validity": "Valid",
        "rules": "Rule-set version",
        "snapshot": "Database snapshot",
        "issuer": "Issuer",
        "body": "Certification body (accreditation no.)",
        "approved": "Approved by",
        "key": "Signing key",
        "supersedes": "Supersedes",
        "verify": "Scan or visit to verify the certificate's current status",
        "to": "to",
        "signed": "Signed with Ed25519 over the RFC 8785 canonical JSON.",
        "cradle-to-gate": "cradle-to-gate",
        "cradle-to-grave": "cradle-to-grave",
        "grade": "Grade",
    },
}


def qr_svg(url: str) -> Markup:
    """The QR code as inline SVG (no image file, no network)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r'\s+id="[^"]*"', "", svg)  # three pages carry a QR code: ids must not repeat
    return Markup(svg)  # generated here from path data only; the URL is not embedded as text


def certificate_html(document: CertificateDocument, claim_lots: list[dict[str, Any]] | None = None) -> str:
    """`claim_lots`: the retired lots behind a T4 certificate's claim (a claim page follows each language)."""
    from labels.artwork import artwork_from_document

    return render_page(
        "certificate.html",
        d=document,
        languages=LANGUAGES,
        text=TEXT,
        qr=qr_svg(document.verification_url),
        claim=claim_block(document, claim_lots),
        # the on-pack label (labels.md P3: number, issuer, QR code mandatory), drawn by api/documents/label.py
        label_svg=Markup(label_svg(artwork_from_document(document), standalone=False)),
    )


def render_certificate_pdf(document: CertificateDocument, claim_lots: list[dict[str, Any]] | None = None) -> bytes:
    from weasyprint import (
        HTML,  # imported lazily: loading Pango costs ~0.3 s at start-up
    )

    return HTML(string=certificate_html(document, claim_lots)).write_pdf()
