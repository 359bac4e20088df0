"""Label text in zh-Hans, zh-Hant and English (labels.md P3). Wording only; every number comes from the decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from labels.numbers import plain, significant

CO2E = "CO₂e"  # subscript two: the label is read by people (JSON field names keep "co2e")
_PHRASES = {
    # the reduction is measured against the previous footprint re-computed on the current method and data (P2
    # re-baselining), not against the value printed on the previous certificate: the text says so and names the year
    "reduction": {"zh-Hans": "较{year}年减少 {pct} %（基准按现行方法和数据重新计算）",
                  "zh-Hant": "較{year}年減少 {pct} %（基準按現行方法和數據重新計算）",
                  "en": "-{pct} % vs {year} (baseline re-calculated with current method and data)"},
    "valid_until": {"zh-Hans": "有效期至 {day}", "zh-Hant": "有效期至 {day}", "en": "valid until {day}"},
}
LANGUAGES = ("zh-Hans", "zh-Hant", "en")


def base_year(start: date, end: date) -> str:
    """The year a reference period stands for on a label: '2024', or '2023–2024' when it spans two."""
    return str(end.year) if start.year == end.year else f"{start.year}–{end.year}"


def title(scheme_name: str, tier_name: str, grade_name: str | None) -> str:
    """'<scheme> · <tier> [grade]', without repeating a tier name the scheme's name already ends with
    ('粤港澳大湾区碳足迹标识', not '粤港澳大湾区碳足迹标识 · 碳足迹标识')."""
    text = scheme_name if scheme_name.casefold().endswith(tier_name.casefold()) else f"{scheme_name} · {tier_name}"
    return f"{text} {grade_name}" if grade_name else text


def per_unit(amount: Decimal, unit_name: str, lang: str) -> str:
    shown = plain(amount.normalize())
    return f"{shown}{unit_name}" if lang.startswith("zh") else f"{shown} {unit_name}"


def label_lines(
    *,
    scheme_names: dict[str, str],
    tier_names: dict[str, str],
    grade_names: dict[str, str] | None,
    total: Decimal,
    amount: Decimal,
    unit_names: dict[str, str],
    boundary_names: dict[str, str],
    standard: str,
    product_rule: str,
    reduction: tuple[str, str] | None,
    valid_until: date,
) -> dict[str, str]:
    """One text block per language; the PCF value shown with 3 significant figures (display only).

    `reduction` is (percent, base year) for a T2 label; `unit_names` the declared unit in each language."""
    out = {}
    for lang in LANGUAGES:
        lines = [title(scheme_names[lang], tier_names[lang], grade_names[lang] if grade_names else None),
                 f"{significant(total, 3)} kg {CO2E} / {per_unit(amount, unit_names[lang], lang)}",
                 boundary_names[lang], f"{standard}; {product_rule}"]
        if reduction is not None:
            pct, year = reduction
            lines.append(_PHRASES["reduction"][lang].format(pct=pct, year=year))
        lines.append(_PHRASES["valid_until"][lang].format(day=valid_until.isoformat()))
        out[lang] = "\n".join(lines)
    return out
