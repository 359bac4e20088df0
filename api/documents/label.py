"""The on-pack label (labels.md P3) as SVG, PDF and PNG: one layout, drawn once, in millimetres.

The SVG is the layout. The PDF is that SVG on a page of the label's printed size, laid out by
WeasyPrint, which embeds subsets of the CJK fonts (Noto Sans CJK SC / TC); the PNG is the PDF
rasterised by PDFium at the asked resolution, so the three formats cannot drift apart. The
certificate PDF inlines the same SVG in its label block.

Text never overflows: each line is measured with the font it is printed in (Pillow reads the same
font files fontconfig gives WeasyPrint) and set smaller down to the minimum print size; below that
it is condensed horizontally to fit, never cut.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

import qrcode
import qrcode.constants

from api.errors import InvalidInput
from labels.artwork import LANGUAGES, LabelArtwork, caption_text

Format = Literal["svg", "pdf", "png"]
MEDIA_TYPES: dict[str, str] = {"svg": "image/svg+xml", "pdf": "application/pdf", "png": "image/png"}

GREEN = "#1f6f4a"
GREY = "#4f6b5d"
RED = "#b3261e"
PT_MM = 25.4 / 72  # one typographic point in millimetres
FONT_FAMILY = {
    "zh-Hans": "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif",
    "zh-Hant": "'Noto Sans CJK TC', 'Noto Sans TC', sans-serif",
    "en": "'Noto Sans CJK SC', 'Noto Sans', sans-serif",
}
_FONTCONFIG_NAME = {"zh-Hans": "Noto Sans CJK SC", "zh-Hant": "Noto Sans CJK TC", "en": "Noto Sans CJK SC"}


# --- measuring text ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _font(lang: str, bold: bool) -> object:
    """The font file fontconfig resolves for this family (what WeasyPrint will embed), at 100 px."""
    from PIL import ImageFont

    pattern = _FONTCONFIG_NAME[lang] + (":bold" if bold else "")
    found = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", pattern], capture_output=True, text=True, check=True)
    path, _, index = found.stdout.partition("\t")
    return ImageFont.truetype(path, 100, index=int(index or 0))


def text_width_mm(text: str, size_mm: float, lang: str = "en", bold: bool = False) -> float:
    return float(_font(lang, bold).getlength(text)) / 100.0 * size_mm  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Run:
    text: str
    lang: str
    bold: bool = False
    fill: str | None = None


def _runs_width(runs: list[_Run], size_mm: float) -> float:
    return sum(text_width_mm(r.text, size_mm, r.lang, r.bold) for r in runs)


def _line(runs: list[_Run], *, x: float, y: float, size_mm: float, max_width: float, min_size_mm: float,
          fill: str = "#1d2b24", anchor: str = "start") -> str:
    """One line of text (runs of one or more languages) shrunk to fit `max_width`, condensed below the minimum."""
    size = size_mm
    width = _runs_width(runs, size)
    if width > max_width:
        size = max(min_size_mm, size * max_width / width)
        width = _runs_width(runs, size)
    # still too wide at the minimum size: condense horizontally about the anchor point (a transform,
    # not `textLength`, which renderers spread unevenly over several tspans)
    fit = ""
    if width > max_width:
        squeeze = max_width / width
        fit = f' transform="matrix({squeeze:.4f} 0 0 1 {x * (1 - squeeze):.3f} 0)"'
    spans = "".join(
        f"<tspan font-family={quoteattr(FONT_FAMILY[r.lang])}"
        + (' font-weight="bold"' if r.bold else "")
        + (f' fill="{r.fill}"' if r.fill else "")
        + f">{escape(r.text)}</tspan>"
        for r in runs
    )
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:.3f}" fill="{fill}" text-anchor="{anchor}"'
            f'{fit}>{spans}</text>')


def _trilingual(texts: dict[str, str], sep: str = " / ") -> list[_Run]:
    """zh-Hans / zh-Hant / en, each in its own font; identical Chinese texts are printed once."""
    langs = [lang for lang in LANGUAGES if not (lang == "zh-Hant" and texts["zh-Hant"] == texts["zh-Hans"])]
    runs: list[_Run] = []
    for i, lang in enumerate(langs):
        runs.append(_Run((sep if i else "") + texts[lang], lang))
    return runs


# --- the QR code ------------------------------------------------------------------------------


def _qr_path(url: str, x: float, y: float, size: float, min_module_mm: float) -> str:
    """The QR code as one SVG path of its dark modules (error correction M, 2-module quiet zone)."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = size / len(matrix)
    if module < min_module_mm:
        raise InvalidInput(
            f"verification URL {url!r} needs a QR code of {len(matrix)} modules: {module:.2f} mm each at "
            f"{size} mm, below the {min_module_mm} mm a reader needs; shorten the public URL"
        )
    parts = [f"M{x + c * module:.3f} {y + r * module:.3f}h{module:.3f}v{module:.3f}h-{module:.3f}z"
             for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark]
    return (f'<rect x="{x:.2f}" y="{y:.2f}" width="{size:.2f}" height="{size:.2f}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(parts)}"/>')


# --- the layout -------------------------------------------------------------------------------


def label_svg(art: LabelArtwork, *, standalone: bool = True) -> str:
    """The label as SVG, `width`/`height` in mm (the print size) and a viewBox in mm.

    Layout (90 x 55 mm): a green band with the title in zh-Hans, zh-Hant and English; the value
    and declared unit, boundary, standard; the QR code to the verification page on the right; a
    footer with certificate number, issuer and validity. A preview carries a red "未认证 / 未認證 /
    not certified" mark, a watermark across the label and an empty QR frame instead of the code.
    """
    g = art.geometry
    width, height, qr = float(g.width_mm), float(g.height_mm), float(g.qr_mm)
    min_size = float(g.min_font_pt) * PT_MM
    margin = 3.0
    text_right = width - margin - qr - 2.5  # the text column ends left of the QR code
    column = text_right - margin
    full = width - 2 * margin
    out: list[str] = []
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
    w_text, h_text = format(g.width_mm.normalize(), "f"), format(g.height_mm.normalize(), "f")
    out.append(f'{head}<svg xmlns="http://www.w3.org/2000/svg" width="{w_text}mm" height="{h_text}mm" '
               f'viewBox="0 0 {w_text} {h_text}" role="img" aria-label={quoteattr(" | ".join(art.text_lines()))}>')
    out.append(f'<rect x="0.3" y="0.3" width="{width - 0.6}" height="{height - 0.6}" rx="2.5" fill="#fff" '
               f'stroke="{GREEN}" stroke-width="0.6"/>')
    # title band
    out.append(f'<path d="M0.3 2.8a2.5 2.5 0 0 1 2.5-2.5h{width - 5.6}a2.5 2.5 0 0 1 2.5 2.5v12.2h-{width - 0.6}z" fill="{GREEN}"/>')
    out.append(_line([_Run(art.title["zh-Hans"], "zh-Hans", bold=True)], x=margin, y=5.2, size_mm=3.6,
                     max_width=full, min_size_mm=min_size, fill="#fff"))
    out.append(_line([_Run(art.title["zh-Hant"], "zh-Hant")], x=margin, y=9.3, size_mm=3.2,
                     max_width=full, min_size_mm=min_size, fill="#fff"))
    out.append(_line([_Run(art.title["en"], "en")], x=margin, y=13.2, size_mm=2.9,
                     max_width=full, min_size_mm=min_size, fill="#fff"))
    # value and unit: "12.4 kg CO2e" with a real subscript 2. A T2 label also prints its reduction (claim and
    # the re-baselining note in three languages), so the value is set smaller and the body lines closer.
    reduced = art.reduction is not None and art.reduction_note is not None
    value_size, unit_size, value_y = (8.0, 3.2, 22.4) if reduced else (10.0, 3.6, 26.2)
    value_w = text_width_mm(art.value, value_size, bold=True)
    out.append(f'<text x="{margin}" y="{value_y}" font-size="{value_size}" fill="{GREEN}" font-weight="bold" '
               f'font-family={quoteattr(FONT_FAMILY["en"])}>{escape(art.value)}</text>')
    out.append(f'<text x="{margin + value_w + 1.2:.2f}" y="{value_y}" font-size="{unit_size}" fill="{GREEN}" '
               f'font-weight="bold" font-family={quoteattr(FONT_FAMILY["en"])}>kg CO<tspan dy="0.8" '
               f'font-size="{unit_size * 0.65:.2f}">2</tspan><tspan dy="-0.8">e</tspan></text>')
    body = 2.6
    # (runs, baseline, size, fill) of each body line below the value
    lines: list[tuple[list[_Run], float, float, str | None]] = []
    if reduced and art.reduction and art.reduction_note:
        note = art.reduction_note
        note_zh = [_Run(note["zh-Hans"], "zh-Hans")] + (
            [_Run(" / " + note["zh-Hant"], "zh-Hant")] if note["zh-Hant"] != note["zh-Hans"] else [])
        lines += [(_trilingual(art.per_unit), 26.0, body, None),
                  ([_Run(r.text, r.lang, bold=True) for r in _trilingual(art.reduction)], 29.5, body, GREEN),
                  (note_zh, 32.2, min_size, GREY), ([_Run(note["en"], "en")], 34.6, min_size, GREY),
                  (_trilingual(art.boundary), 37.9, body, None), ([_Run(art.standard, "en")], 41.3, body, GREY)]
    else:
        lines += [(_trilingual(art.per_unit), 30.8, body, None), (_trilingual(art.boundary), 34.4, body, None),
                  ([_Run(art.standard, "en")], 38.0, body, GREY)]
    for runs, y, size, fill in lines:
        out.append(_line(runs, x=margin, y=y, size_mm=size, max_width=column, min_size_mm=min_size,
                         **({"fill": fill} if fill else {})))
    # QR code (or, on a preview, an empty dashed frame: a preview has nothing to verify)
    qr_x, qr_y = width - margin - qr, 16.2
    if art.verification_url and not art.preview:
        out.append(_qr_path(art.verification_url, qr_x, qr_y, qr, float(g.qr_min_module_mm)))
        verify = art.captions["verify"]
        chinese = {"zh-Hans": verify["zh-Hans"], "zh-Hant": verify["zh-Hant"]}
        for i, runs in enumerate((_trilingual({**chinese, "en": ""}, sep=" ")[:2], [_Run(verify["en"], "en")])):
            out.append(_line(runs, x=qr_x + qr / 2, y=qr_y + qr + 2.3 + i * 2.3, size_mm=min_size,
                             max_width=qr + 2, min_size_mm=min_size, fill=GREY, anchor="middle"))
    else:
        out.append(f'<rect x="{qr_x}" y="{qr_y}" width="{qr}" height="{qr}" fill="none" stroke="{RED}" '
                   f'stroke-width="0.3" stroke-dasharray="1 0.8"/>')
        mark = art.captions["preview"]
        for i, lang in enumerate(("zh-Hans", "zh-Hant", "en")):
            out.append(_line([_Run(mark[lang], lang, bold=True)], x=qr_x + qr / 2, y=qr_y + 8 + i * 3.6,
                             size_mm=3.0, max_width=qr - 2, min_size_mm=min_size, fill=RED, anchor="middle"))
    # footer
    out.append(f'<line x1="{margin}" y1="43.2" x2="{width - margin}" y2="43.2" stroke="#c9d8cf" stroke-width="0.25"/>')
    c = art.captions
    footer: list[list[_Run]] = []
    if art.preview:
        preview_runs = _trilingual(c["preview"])
        note = c["preview_note"]
        footer.append([_Run(r.text, r.lang, bold=True, fill=RED) for r in preview_runs]
                      + [_Run(f" · {note['zh-Hans']} / {note['zh-Hant']} / {note['en']}", "en", fill=RED)])
    if art.certificate_number:
        footer.append([_Run(caption_text(c["certificate_number"]) + " ", "zh-Hans", fill=GREY),
                       _Run(art.certificate_number, "en", bold=True)])
    if art.issuer:
        footer.append([_Run(caption_text(c["issuer"]) + " ", "zh-Hans", fill=GREY), _Run(art.issuer, "en")])
    if art.valid_until:
        footer.append([_Run(caption_text(c["valid_until"]) + " ", "zh-Hans", fill=GREY),
                       _Run(art.valid_until.isoformat(), "en", bold=not art.preview)])
    for i, runs in enumerate(footer):
        out.append(_line(runs, x=margin, y=46.7 + i * 3.15, size_mm=2.45, max_width=full, min_size_mm=min_size))
    if art.preview:
        out.append(f'<text x="{width / 2}" y="{height / 2 + 3}" font-size="7" fill="{RED}" fill-opacity="0.16" '
                   f'font-weight="bold" text-anchor="middle" transform="rotate(-18 {width / 2} {height / 2})" '
                   f'font-family={quoteattr(FONT_FAMILY["zh-Hans"])}>{escape(c["preview"]["zh-Hans"])} '
                   f'{escape(c["preview"]["en"].upper())}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _page_html(art: LabelArtwork) -> str:
    g = art.geometry
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
            f"@page {{ size: {g.width_mm}mm {g.height_mm}mm; margin: 0 }} body {{ margin: 0 }} svg {{ display: block }}"
            f"</style></head><body>{label_svg(art, standalone=False)}</body></html>")


def label_pdf(art: LabelArtwork) -> bytes:
    """One page of exactly the label's print size, fonts embedded (subset) by WeasyPrint."""
    from weasyprint import HTML  # lazily: Pango costs ~0.3 s at start-up

    return HTML(string=_page_html(art)).write_pdf()


def label_png(art: LabelArtwork, dpi: int = 300) -> bytes:
    """The PDF rasterised by PDFium: 90 mm at 300 dpi = 1063 px wide."""
    import io

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(label_pdf(art))
    try:
        bitmap = document[0].render(scale=dpi / 72)
        image = bitmap.to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", dpi=(dpi, dpi))
        return buffer.getvalue()
    finally:
        document.close()


def render_label(art: LabelArtwork, fmt: Format, *, dpi: int = 300) -> bytes:
    if fmt == "svg":
        return label_svg(art).encode("utf-8")
    if fmt == "pdf":
        return label_pdf(art)
    if fmt == "png":
        return label_png(art, dpi)
    raise InvalidInput(f"label format {fmt!r}: use svg, pdf or png")


def print_size_text(art: LabelArtwork) -> str:
    g = art.geometry
    return f"{g.width_mm} mm x {g.height_mm} mm, QR code {g.qr_mm} mm, text >= {g.min_font_pt} pt"


__all__ = ["Format", "MEDIA_TYPES", "label_pdf", "label_png", "label_svg", "print_size_text", "render_label"]
