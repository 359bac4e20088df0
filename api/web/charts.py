"""ECharts options for a footprint, built on the server from the stored result (JSON).

The page embeds them as JSON in a data block; static/js/charts.js draws them. Numbers are the
result's own floats (kg CO2e per declared unit); names are translated here."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from api.web.i18n import translations


def N_(message: str) -> str:
    """Marks a message for extraction; translated when the page is rendered."""
    return message


STAGE_NAMES = {
    "raw_materials": N_("Raw materials"),
    "manufacturing": N_("Manufacturing"),
    "transport": N_("Transport"),
    "packaging": N_("Packaging"),
    "distribution": N_("Distribution"),
    "use": N_("Use"),
    "end_of_life": N_("End of life"),
}
# the two by_gas keys that are not a gas (footprint/engine.py): pre-aggregated kg CO2e
GAS_NAMES = {
    "supplier_pcf": N_("Supplier footprints (CO₂e)"),
    "co2e_unsplit": N_("Factors given only as CO₂e"),
}
BRAND = "#1f6f4a"
SECOND = "#8a4b00"


def stage_label(code: str, stage: str) -> str:
    return translations(code).gettext(STAGE_NAMES[stage]) if stage in STAGE_NAMES else stage


def gas_label(code: str, gas: str) -> str:
    return translations(code).gettext(GAS_NAMES[gas]) if gas in GAS_NAMES else gas


def _bars(title: str, names: list[str], values: list[float], colour: str) -> dict[str, Any]:
    return {
        "title": {"text": title, "left": 0, "textStyle": {"fontSize": 14}},
        "grid": {"left": 8, "right": 24, "top": 36, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "name": "kg CO₂e"},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [{"type": "bar", "data": [round(v, 6) for v in values], "itemStyle": {"color": colour}}],
        "aria": {"enabled": True},
        "animation": False,
    }


def footprint_charts(result: dict[str, Any], code: str) -> dict[str, dict[str, Any]]:
    """{'stages': ..., 'gases': ..., 'sankey': ...}: ECharts options for one stored footprint."""
    gettext = translations(code).gettext
    stages = [(stage, value) for stage, value in result.get("by_stage", {}).items() if value]
    gases = sorted(((gas, value) for gas, value in result.get("by_gas", {}).items() if value), key=lambda g: -abs(g[1]))
    sankey = result.get("sankey", {"nodes": [], "links": []})
    names = {node["id"]: node["name"] for node in sankey.get("nodes", [])}
    return {
        "stages": _bars(gettext("By life-cycle stage"), [stage_label(code, s) for s, _ in stages],
                        [v for _, v in stages], BRAND),
        "gases": _bars(gettext("By greenhouse gas"), [gas_label(code, g) for g, _ in gases],
                       [v for _, v in gases], SECOND),
        "sankey": {
            "title": {"text": gettext("Where the emissions come from"), "left": 0, "textStyle": {"fontSize": 14}},
            "tooltip": {"trigger": "item"},
            "aria": {"enabled": True},
            "animation": False,
            "series": [{
                "type": "sankey",
                "top": 36, "bottom": 8, "left": 8, "right": "22%",
                "nodeGap": 10,
                "emphasis": {"focus": "adjacency"},
                "lineStyle": {"color": "gradient", "opacity": 0.4},
                "data": [{"name": names[node_id]} for node_id in names],
                "links": [
                    {"source": names.get(link["source"], link["source"]),
                     "target": names.get(link["target"], link["target"]),
                     "value": round(abs(link["value"]), 6)}
                    for link in sankey.get("links", []) if link.get("value")
                ],
            }],
        },
    }


def _short(value: float) -> str:
    return f"{value:.3g}"


def histogram_chart(histogram: dict[str, list[float]], uncertainty: dict[str, Any], code: str) -> dict[str, Any]:
    """Bars of the Monte Carlo draws per bin; lines at the 2.5th percentile, the mean and the 97.5th."""
    gettext = translations(code).gettext
    edges, counts = histogram["edges"], histogram["counts"]
    centres = [(lo + hi) / 2 for lo, hi in pairwise(edges)]

    def bin_of(value: float) -> int:
        return min(max(0, sum(1 for e in edges[1:-1] if e <= value)), len(counts) - 1)

    marks = [(gettext("2.5th percentile"), uncertainty["p2_5"]), (gettext("Mean"), uncertainty["mean"]),
             (gettext("97.5th percentile"), uncertainty["p97_5"])]
    return {
        "title": {"text": gettext("Uncertainty: Monte Carlo draws"), "left": 0, "textStyle": {"fontSize": 14}},
        "grid": {"left": 8, "right": 16, "top": 64, "bottom": 28, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [_short(c) for c in centres], "name": "kg CO₂e",
                  "nameLocation": "middle", "nameGap": 26},
        "yAxis": {"type": "value", "name": gettext("Draws"), "nameLocation": "end", "nameGap": 10},
        "series": [{
            "type": "bar", "data": counts, "barCategoryGap": "4%", "itemStyle": {"color": BRAND},
            "markLine": {"symbol": "none", "lineStyle": {"color": SECOND, "type": "dashed"},
                         "label": {"formatter": "{b}", "position": "insideEndTop", "fontSize": 10},
                         "data": [{"name": name, "xAxis": bin_of(value)} for name, value in marks]},
        }],
        "aria": {"enabled": True},
        "animation": False,
    }


def scenario_chart(stages: list[tuple[str, float, float]], code: str, scenario_name: str) -> dict[str, Any]:
    """Grouped bars per life-cycle stage: the footprint today and on the 2030 grid scenario."""
    gettext = translations(code).gettext
    names = [stage_label(code, s) for s, _, _ in stages]
    return {
        "title": {"text": gettext("Today's grid and the 2030 scenario"), "left": 0, "textStyle": {"fontSize": 14}},
        "grid": {"left": 8, "right": 16, "top": 68, "bottom": 28, "containLabel": True},
        "legend": {"top": 32, "left": 0},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "name": "kg CO₂e", "nameLocation": "middle", "nameGap": 26},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [
            {"type": "bar", "name": gettext("Today"), "data": [round(a, 6) for _, a, _ in stages],
             "itemStyle": {"color": BRAND}},
            {"type": "bar", "name": scenario_name, "data": [round(b, 6) for _, _, b in stages],
             "itemStyle": {"color": SECOND}},
        ],
        "aria": {"enabled": True},
        "animation": False,
    }
