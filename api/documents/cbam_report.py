"""The CBAM exposure report and the trade-office portfolio as PDF (WeasyPrint).

Layout: a summary that fits on two pages (key figures, cost per year under certificate price
scenarios, the main tables), then the detail from page 3: aggregates, an importer's obligations
over time with the monthly cash flow, the lines (one line per row, headers repeated on every page,
never a row split across pages), derivations, flags, assumptions and data versions. Charts are
inline SVG generated here (no JavaScript). Plain functions: callable from a request, the CLI or a
background job.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from lcidb.home import package_path
from tariffs.models import ExposureReport
from tariffs.report import key_figures
from tariffs.obligations import Obligations, scenario_prices
from tariffs.portfolio import Portfolio

TEMPLATES_DIR = package_path("api.documents", "templates")
SCENARIO_COLOURS = ("#9ecae1", "#4292c6", "#2171b5", "#08306b", "#6a51a3", "#cb181d")
# rows of a summary table before the rest goes to the detail (keeps the summary on two pages)
SUMMARY_ROWS = 14
FLAG_MEANINGS = {
    "SEFA_ESTIMATED": "free allocation adjustment estimated from the Column B benchmark (operator's verified SEFA not given)",
    "PRICE_SCENARIO": "certificate price (or UK rate) is an assumption or a scenario, not a published price",
    "CSCF_ASSUMED": "cross-sectoral correction factor not published for the year; 1.0 held",
    "BENCHMARK_PROVISIONAL": "CBAM benchmarks of IR 2025/2620 used beyond 2026 (updates not found; period (2) held after 2030)",
    "DEFAULTS_REVISION_DUE_2027": "default values are due for revision by December 2027; current values assumed unchanged",
    "DE_MINIMIS_EXEMPT": "EU: importer at or below 50 t net mass of CBAM goods in the year; 0 owed, the potential cost is shown beside it",
    "UK_THRESHOLD_EXEMPT": "UK: importer's customs value of CBAM goods in the year below GBP 50,000; 0 owed, the potential liability is shown beside it",
    "DERIVED_FROM_PCF": "indicative SEE derived from a product footprint; not a verified CBAM value, not declarable",
    "UK_DEFAULTS_UNAVAILABLE": "UK default values not published; EU default value (without mark-up) used",
    "PENALTY_NOT_INDEXED": "Art. 26(1) penalty at the EUR 100 base amount; its indexation was not verified (understated)",
}
FLAG_CODES = {
    "SEFA_ESTIMATED": "SE", "PRICE_SCENARIO": "PS", "CSCF_ASSUMED": "CA", "BENCHMARK_PROVISIONAL": "BP",
    "DEFAULTS_REVISION_DUE_2027": "DR", "DE_MINIMIS_EXEMPT": "DM", "UK_THRESHOLD_EXEMPT": "UT",
    "DERIVED_FROM_PCF": "DP", "UK_DEFAULTS_UNAVAILABLE": "UD", "PENALTY_NOT_INDEXED": "PN",
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


def _exact(value: object) -> str:
    """Every decimal the value has (grouped): 50.001 t and 49.999 t must not both print as 50.00 t."""
    if value is None:
        return "missing"
    number = Decimal(str(value)).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return f"{number:,f}"


def _plain(value: object) -> str:
    return "—" if value is None else str(value)


def _flag_codes(flags: list[str]) -> str:
    return " ".join(FLAG_CODES.get(flag, flag) for flag in flags)


def _prices() -> list[Decimal]:
    return scenario_prices()


def scenario_costs(report: ExposureReport) -> list[tuple[int, Decimal, list[Decimal]]]:
    """Per year: the EU certificates owed and their cost at each scenario price."""
    prices = _prices()
    certificates: dict[int, Decimal] = {}
    for line in report.lines:
        if line.regime == "EU" and line.certificates is not None:
            certificates[line.year] = certificates.get(line.year, Decimal(0)) + line.certificates
    return [
        (year, certificates[year], [certificates[year] * price for price in prices])
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


def _legend(parts: list[str], x: float, top: float, prices: list[Decimal]) -> None:
    for k, price in enumerate(prices):
        y = top + 10 + k * 18
        parts.append(f'<rect x="{x}" y="{y - 9}" width="12" height="12" fill="{SCENARIO_COLOURS[k]}"/>')
        parts.append(f'<text x="{x + 18}" y="{y + 1}">{escape(str(price))} EUR/t CO2e</text>')


def _axes(parts: list[str], ceiling: Decimal, left: float, top: float, plot_w: float, plot_h: float) -> None:
    """Grid, tick labels and the EUR axis title (left of the widest tick label)."""
    for tick in range(5):
        value = ceiling * tick / 4
        y = top + plot_h - float(value / ceiling) * plot_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 3:.1f}" text-anchor="end">{_number(value, 0)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>')
    title_x = left - 12 - 6 * len(_number(ceiling, 0))
    parts.append(f'<text x="{title_x}" y="{top + plot_h / 2:.1f}" transform="rotate(-90 {title_x} '
                 f'{top + plot_h / 2:.1f})" text-anchor="middle">EUR</text>')


def _svg_open(width: int, height: int) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="10">')


def cost_chart_svg(report: ExposureReport, width: int = 680, height: int = 200) -> Markup:
    """Grouped bars: EU cost per year at each scenario price. Pure SVG markup built from numbers."""
    rows = scenario_costs(report)
    prices = _prices()
    if not rows:
        return Markup('<p class="note">No EU certificates in this report: no chart.</p>')
    left, right, top, bottom = 70, 150, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = _nice_ceiling(max(max(costs) for _, _, costs in rows))
    parts = [_svg_open(width, height)]
    _axes(parts, ceiling, left, top, plot_w, plot_h)
    group_w = plot_w / len(rows)
    bar_w = min(group_w * 0.8 / len(prices), 28)
    for index, (year, _, costs) in enumerate(rows):
        group_x = left + index * group_w + (group_w - bar_w * len(costs)) / 2
        for k, cost in enumerate(costs):
            bar_h = float(cost / ceiling) * plot_h
            x = group_x + k * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w - 1:.1f}" '
                         f'height="{bar_h:.1f}" fill="{SCENARIO_COLOURS[k]}"/>')
        parts.append(f'<text x="{left + index * group_w + group_w / 2:.1f}" y="{top + plot_h + 14}" '
                     f'text-anchor="middle">{year}</text>')
    _legend(parts, left + plot_w + 16, top, prices)
    parts.append("</svg>")
    return Markup("".join(parts))


def cash_chart_svg(obligations: Obligations, width: int = 680, height: int = 230) -> Markup:
    """Cumulative cash paid for certificates (and penalties) by month, one step line per scenario."""
    rows = obligations.monthly
    if not rows:
        return Markup('<p class="note">No certificate purchases: no cash-flow chart.</p>')
    prices = [str(p) for p in obligations.scenario_prices_eur]
    first, last = rows[0].month, rows[-1].month
    months = _month_range(first, last)
    left, right, top, bottom = 84, 150, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = _nice_ceiling(max(max(row.cumulative_eur.values()) for row in rows))
    parts = [_svg_open(width, height)]
    _axes(parts, ceiling, left, top, plot_w, plot_h)
    step = plot_w / max(1, len(months) - 1)
    by_month = {row.month: row for row in rows}
    for k, price in enumerate(prices):
        points: list[str] = []
        running = Decimal(0)
        for index, month in enumerate(months):
            if month in by_month:
                running = by_month[month].cumulative_eur[price]
            y = top + plot_h - float(running / ceiling) * plot_h
            points.append(f"{left + index * step:.1f},{y:.1f}")
        parts.append(f'<polyline fill="none" stroke="{SCENARIO_COLOURS[k]}" stroke-width="2" points="{" ".join(points)}"/>')
    for index, month in enumerate(months):
        if month.endswith("-01") or index == 0:
            parts.append(f'<text x="{left + index * step:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{month[:4] if month.endswith("-01") else month}</text>')
    _legend(parts, left + plot_w + 16, top, obligations.scenario_prices_eur)
    parts.append("</svg>")
    return Markup("".join(parts))


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return months


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
    env.filters["exact"] = _exact
    env.filters["plain"] = _plain
    env.filters["codes"] = _flag_codes
    return env


def _context(report: ExposureReport, portfolio: Portfolio | None) -> dict[str, Any]:
    lines = report.lines
    flags_used = sorted({flag for line in lines for flag in line.flags}
                        | {flag for i in (report.obligations.importers if report.obligations else []) for flag in i.flags
                           if flag in FLAG_MEANINGS})
    importers = sorted({line.importer_id or "(no importer)" for line in lines})
    figures = key_figures(lines)
    return {
        "report": report,
        "portfolio": portfolio,
        "aggregates": report.aggregates,
        "importers": importers,
        "chart": cost_chart_svg(report),
        "scenarios": scenario_costs(report),
        "prices": _prices(),
        # a price scenario written on the lines (a trade office's page, or a certificate_price_eur column)
        "given_prices": sorted({line.price_eur for line in lines if line.price_eur is not None
                                and any(note.endswith("given on the line (scenario)") for note in line.notes)}),
        "flags_used": [(flag, FLAG_CODES.get(flag, flag), FLAG_MEANINGS[flag]) for flag in flags_used],
        "has_uk": any(line.regime == "UK" for line in lines),
        "has_eu": any(line.regime == "EU" for line in lines),
        "has_exporters": any(line.exporter_id for line in lines),
        "savings": {
            "verified_eur": figures["saving_verified_eur"], "verified_gbp": figures["saving_verified_gbp"],
            "indicative_eur": figures["saving_indicative_eur"], "indicative_gbp": figures["saving_indicative_gbp"],
        },
        "exempt_potential_eur": figures["exempt_potential_cost_eur"],
        "exempt_potential_gbp": figures["exempt_potential_cost_gbp"],
        "obligations": report.obligations,
        "cash_chart": cash_chart_svg(report.obligations) if report.obligations else None,
        "summary_rows": SUMMARY_ROWS,
        "by_key": {
            "basis": {row.exporter_id: row for row in portfolio.data_basis},
            "china": {row.key: row for row in portfolio.china_carbon_price},
            "sensitivity": {row.key: row for row in portfolio.price_sensitivity},
        } if portfolio else {},
    }


def cbam_report_html(report: ExposureReport, portfolio: Portfolio | None = None) -> str:
    return _environment().get_template("cbam/report.html.j2").render(**_context(report, portfolio))


def render_cbam_pdf(report: ExposureReport) -> bytes:
    from weasyprint import HTML  # imported here: heavy, and only needed for PDFs

    return HTML(string=cbam_report_html(report), base_url=str(TEMPLATES_DIR)).write_pdf()


def render_portfolio_pdf(portfolio: Portfolio) -> bytes:
    from weasyprint import HTML

    return HTML(string=cbam_report_html(portfolio.exposure, portfolio), base_url=str(TEMPLATES_DIR)).write_pdf()
