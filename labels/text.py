"""Label text in zh-Hans, zh-Hant and English (labels.md P3). Wording only; every number comes from the decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from labels.numbers import significant

_PHRASES = {
    "reduction": {"zh-Hans": "较上次认证减少 {pct} %", "zh-Hant": "較上次認證減少 {pct} %", "en": "-{pct} % vs previous certified footprint"},
    "valid_until": {"zh-Hans": "有效期至 {day}", "zh-Hant": "有效期至 {day}", "en": "valid until {day}"},
}
LANGUAGES = ("zh-Hans", "zh-Hant", "en")


def label_lines(
    *,
    scheme_names: dict[str, str],
    tier_names: dict[str, str],
    grade_names: dict[str, str] | None,
    total: Decimal,
    unit_text: str,
    boundary_names: dict[str, str],
    standard: str,
    product_rule: str,
    reduction_pct: str | None,
    valid_until: date,
) -> dict[str, str]:
    """One text block per language; the PCF value shown with 3 significant figures (display only)."""
    out = {}
    for lang in LANGUAGES:
        title = f"{scheme_names[lang]} · {tier_names[lang]}"
        if grade_names:
            title += f" {grade_names[lang]}"
        lines = [title, f"{significant(total, 3)} kg CO2e / {unit_text}", boundary_names[lang], f"{standard}; {product_rule}"]
        if reduction_pct is not None:
            lines.append(_PHRASES["reduction"][lang].format(pct=reduction_pct))
        lines.append(_PHRASES["valid_until"][lang].format(day=valid_until.isoformat()))
        out[lang] = "\n".join(lines)
    return out
