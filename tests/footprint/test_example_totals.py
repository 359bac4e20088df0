"""The five example footprints after issue 11's factor update, derived by hand from the totals before
it and the change of each line (docs/lcidb-default-data.md §13 shows the same table).

OLD_TOTALS are the engine's AR6 totals on the previous shipped database (commit 7774abb), which the
bw2calc oracle test checked to 1e-6. Each change below is quantity x (new factor - old factor), every
factor being a figure its source prints (docs/lcidb-default-data.md §2, §6, §7). The totals are the
current `total_kgco2e`, which nets the two example credit lines (kettle stamping scrap, lamp box
recycling); neither credit line's value changes except the kettle's, whose change is listed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from footprint.bom_io import read_bom
from footprint.engine import compute
from lcidb.snapshot import Snapshot

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

OLD_TOTALS = {
    "steel_fastener.bom.json": 2.7063730417740612,
    "electric_kettle.bom.json": 5.580174420377754,
    "ceramic_tile.bom.json": 8.87232292666976,
    "cotton_tshirt.bom.json": 2.320689514202066,
    "led_lamp.bom.json": 95.05615321868667,
}

# line id -> (old kg CO2e of the line, new kg CO2e of the line), by hand
CHANGES = {
    "steel_fastener.bom.json": {
        # 1.06 kg wire rod: worldsteel global crude steel 1.91 -> China steel industry 2019 2.33 (proxy for wire rod)
        "wire_rod": (1.06 * 1.91, 1.06 * 2.33),
    },
    "electric_kettle.bom.json": {
        # -0.045 kg credit: DESNZ steel cans primary 3.086727309 -> China BF-BOF mill 2.183
        "stamping_scrap": (-0.045 * 3.086727309, -0.045 * 2.183),
        # 0.035 kg copper: remembered ICA 4.0 (removed) -> China refined copper 3.09
        "cord_copper": (0.035 * 4.0, 0.035 * 3.09),
    },
    "ceramic_tile.bom.json": {},  # no line uses a changed factor; the grid's DQR moved, not its value
    "cotton_tshirt.bom.json": {
        # 0.004 kg thread: DESNZ PET incl. forming 4.018483406 -> SE-Asia virgin PET staple fibre 2.62
        "thread": (0.004 * 4.018483406, 0.004 * 2.62),
    },
    "led_lamp.bom.json": {
        # aluminium parts: IAI global 15.1 -> China primary ingot 15,947 kg/t
        "mcpcb": (0.004 * 15.1, 0.004 * 15.947),
        "heat_sink": (0.012 * 15.1, 0.012 * 15.947),
        "cap": (0.003 * 15.1, 0.003 * 15.947),
        # 135 kWh of use: HK territory-wide 2010 default 0.7 -> CLP Power supply area 2019, 0.49 kg CO2/kWh
        "use_electricity": (135 * 0.7, 135 * 0.49),
        # 0.062 kg lamp: DESNZ commercial and industrial waste landfill 520.334743 kg/t -> per material,
        # aluminium 0.019 / plastics 0.022 / small WEEE 0.021 kg, each DESNZ landfill 8.88413 kg/t
        "eol_lamp": (0.062 * 0.520334743, 0.0),
        "eol_lamp_aluminium": (0.0, 0.019 * 0.00888413),
        "eol_lamp_plastics": (0.0, 0.022 * 0.00888413),
        "eol_lamp_electronics": (0.0, 0.021 * 0.00888413),
    },
}


def _lines(result) -> dict[str, float]:
    out: dict[str, float] = {}

    def walk(lines) -> None:
        for line in lines:
            out[line.line_id] = line.kgco2e
            walk(line.children)

    walk(result.lines)
    return out


@pytest.mark.parametrize("name", sorted(OLD_TOTALS))
def test_example_total_is_the_old_total_plus_the_hand_derived_changes(default_snapshot: Snapshot, name: str) -> None:
    result = compute(read_bom(EXAMPLES / name), default_snapshot)
    lines = _lines(result)
    for line_id, (_old, new) in CHANGES[name].items():
        if new:
            assert lines[line_id] == pytest.approx(new, rel=1e-9, abs=1e-11), line_id
        else:
            assert line_id not in lines, line_id
    expected = OLD_TOTALS[name] + sum(new - old for old, new in CHANGES[name].values())
    assert result.total_kgco2e == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_the_changes_by_hand() -> None:
    """The same numbers as docs/lcidb-default-data.md §13, rounded there to 4 decimals."""
    delta = {name: sum(new - old for old, new in c.values()) for name, c in CHANGES.items()}
    assert delta["steel_fastener.bom.json"] == pytest.approx(0.4452)          # 1.06 x 0.42
    assert delta["electric_kettle.bom.json"] == pytest.approx(0.040667728905 - 0.03185)
    assert delta["cotton_tshirt.bom.json"] == pytest.approx(-0.005593933624)
    # lamp: +0.016093 aluminium, -28.35 use, -0.032260754 + 0.000550816 end of life
    assert delta["led_lamp.bom.json"] == pytest.approx(0.016093 - 28.35 - 0.032260754066 + 0.062 * 0.00888413)
