"""Write the LED lamp example BOM in the two other formats (CSV + product JSON, XLSX).

The JSON file examples/led_lamp.bom.json is the source; this script derives
examples/led_lamp.bom.csv, examples/led_lamp.product.json and examples/led_lamp.bom.xlsx from it,
so all three always carry the same BOM (tests/footprint/test_bom_examples.py checks that).

    .venv/bin/python examples/make_formats.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from footprint.bom_io import read_bom, write_bom_csv, write_bom_xlsx

EXAMPLES = Path(__file__).resolve().parent
SOURCE = "led_lamp.bom.json"


def make_formats(out_dir: Path = EXAMPLES) -> list[Path]:
    bom = read_bom(EXAMPLES / SOURCE)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, product_path, xlsx_path = (
        out_dir / "led_lamp.bom.csv", out_dir / "led_lamp.product.json", out_dir / "led_lamp.bom.xlsx")
    write_bom_csv(bom, csv_path, product_path)
    write_bom_xlsx(bom, xlsx_path)
    return [csv_path, product_path, xlsx_path]


if __name__ == "__main__":
    for path in make_formats(Path(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLES):
        print(path)
