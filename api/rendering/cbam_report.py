"""The CBAM exposure report as PDF (WeasyPrint): tables, a cost-per-year chart under certificate
price scenarios (inline SVG generated here, no JavaScript), assumptions and data versions."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from lcidb.home import package_path
from tariffs.models import ExposureReport

TEMPLATES_DIR = package_path("api", "templates")
PRICE_SCENARIOS_EUR = (Decimal(60), Decimal(75), Decimal(100), Decimal(130))
SCENARIO_COLOURS = ("#9ecae1", "#4292c6", "#2171b5", "#08306b")
FLAG_MEANINGS = {
    "SEFA_ESTIMATED": "free allocation adjustment estimated from the Column B benchmark (operator's verified SEFA not given)",
    "PRICE_SCENARIO": "certificate price (or UK rate) is an assumption or a scenario, not a published price",
    "CSCF_ASSUMED": "cross-sectoral correction factor not published for the year; 1.0 held",
    "BENCHMARK_PROVISIONAL": "CBAM benchmarks of IR 2025/2620 used beyond 2026 (updates not found; period (2) held after 2030)",
    "DEFAULTS_REVISION_DUE_2027": "default values are due for revision by December 2027; current values assumed unchanged",
    "DE_MINIMIS_EXEMPT": "importer below the threshold for the year (EU: 50 t net mass; UK: GBP 50,000); potential cost shown",
    "DERIVED_FROM_PCF": "indicative SEE derived from a product footprint; not a verified CBAM value",
    "UK_DEFAULTS_UNAVAILABLE": "UK default values not published; EU default value (without mark-up) used",
}


def _number(value: object, places: int = 2) -> str:
    if value is None:
        return "missing"
    number = Decimal(str(value))
    return f"{number:,.{places}f}"


def _tonnes(value: object) -> str:
    if value is None:
        return "missing"
    number = Decimal(str(value))
    return f"{number:,.3f}" if abs(number) >= 1 else f"{number:.6f}".rstrip("0").rstrip(".") or "0"


def _plain(value: object) -> str:
    return "—" if value is None else str(value)


def scenario_costs(report: ExposureReport) -> list[tuple[int, Decimal, list[Decimal]]]:
    """Per year: the EU certificates owed and their cost at each scenario price."""
    certificates: dict[int, Decimal] = {}
    for line in report.lines:
        if line.regime == "EU" and line.certificates is not None:
            certificates[line.year] = certificates.get(line.year, Decimal(0)) + line.certificates
    return [
        (year, certificates[year], [certificates[year] * price for price in PRICE_SCENARIOS_EUR])
        for year in sorted(certificates)
    ]


def _nice_ceiling(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        candidate = Decimal(str(step)) * magnitude
        if candidate >= value:
            return candidate
    return Decimal(10) * magnitude


def cost_chart_svg(report: ExposureReport, width: int = 680, height: int = 260) -> Markup:
    """Grouped bars: EU cost per year at each scenario price. Pure SVG markup built from numbers."""
    rows = scenario_costs(report)
    if not rows:
        return Markup('<p class="note">No EU certificates in this report: no chart.</p>')
    left, right, top, bottom = 70, 150, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = _nice_ceiling(max(max(costs) for _, _, costs in rows))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="10">']
    for tick in range(5):
        value = ceiling * tick / 4
        y = top + plot_h - float(value / ceiling) * plot_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 3:.1f}" text-anchor="end">{_number(value, 0)}</text>')
    group_w = plot_w / len(rows)
    bar_w = min(group_w * 0.8 / len(PRICE_SCENARIOS_EUR), 28)
    for index, (year, _, costs) in enumerate(rows):
        group_x = left + index * group_w + (group_w - bar_w * len(costs)) / 2
        for k, cost in enumerate(costs):
            bar_h = float(cost / ceiling) * plot_h
            x = group_x + k * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w - 1:.1f}" '
                         f'height="{bar_h:.1f}" fill="{SCENARIO_COLOURS[k]}"/>')
        parts.append(f'<text x="{left + index * group_w + group_w / 2:.1f}" y="{top + plot_h + 14}" '
                     f'text-anchor="middle">{year}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>')
    parts.append(f'<text x="{left - 56}" y="{top + plot_h / 2:.1f}" transform="rotate(-90 {left - 56} '
                 f'{top + plot_h / 2:.1f})" text-anchor="middle">EUR</text>')
    for k, price in enumerate(PRICE_SCENARIOS_EUR):
        y = top + 10 + k * 18
        parts.append(f'<rect x="{left + plot_w + 16}" y="{y - 9}" width="12" height="12" fill="{SCENARIO_COLOURS[k]}"/>')
        parts.append(f'<text x="{left + plot_w + 34}" y="{y + 1}">{escape(str(price))} EUR/t CO2e</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _number
    env.filters["t"] = _tonnes
    env.filters["plain"] = _plain
    return env


def cbam_report_html(report: ExposureReport) -> str:
    flags_used = sorted({flag for line in report.lines for flag in line.flags})
    return _environment().get_template("cbam/report.html.j2").render(
        report=report,
        aggregates=report.aggregates,
        chart=cost_chart_svg(report),
        scenarios=scenario_costs(report),
        prices=PRICE_SCENARIOS_EUR,
        flags_used=[(flag, FLAG_MEANINGS[flag]) for flag in flags_used],
        has_uk=any(line.regime == "UK" for line in report.lines),
    )


def render_cbam_pdf(report: ExposureReport) -> bytes:
    from weasyprint import HTML  # imported here: heavy, and only needed for PDFs

    return HTML(string=cbam_report_html(report), base_url=str(TEMPLATES_DIR)).write_pdf()
