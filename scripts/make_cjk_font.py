"""Make charts/fonts/RallybotSansSC-Regular.otf: a subset of Noto Sans CJK SC for zh charts.

Usage: python scripts/make_cjk_font.py NotoSansCJKsc-Regular.otf

The source font comes from a package registry (the `mplfonts` wheel on PyPI ships
`mplfonts/fonts/NotoSansCJKsc-Regular.otf`; Debian's fonts-noto-cjk has it too). The subset
keeps every character of GB2312 (the 6,763 common simplified hanzi and their punctuation),
Latin-1, general and CJK punctuation, full-width forms, and every character of the zh
catalogue, about a tenth of the full font. It is renamed, as the SIL Open Font License asks
of a modified version, so it never passes itself off as the full Noto font.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.text.i18n import CATALOGUE  # noqa: E402
from charts.style import CJK_FAMILY, CJK_FONT_PATH  # noqa: E402

RANGES = (
    (0x0020, 0x00FF),  # ASCII and Latin-1
    (0x2000, 0x206F),  # general punctuation: dashes, quotes, ellipsis
    (0x2190, 0x21FF),  # arrows
    (0x2212, 0x2212),  # minus sign
    (0x25A0, 0x25FF),  # geometric shapes (▲ ▼)
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF00, 0xFFEF),  # full-width forms
)


def gb2312_characters() -> set[str]:
    """Every character GB2312 encodes (two bytes, rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    characters = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                characters.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return characters


def wanted_characters() -> set[str]:
    """GB2312, the ranges above and every character of the zh catalogue."""
    characters = gb2312_characters()
    for first, last in RANGES:
        characters.update(chr(code) for code in range(first, last + 1))
    for entry in CATALOGUE.values():
        characters.update(entry.get("zh", ""))
    return characters


def main(source: str) -> None:
    """Subset and rename the source font into the package."""
    font = TTFont(source)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    # Only kerning: the other features pull in the Japanese, Korean and traditional forms.
    options.layout_features = ["kern"]
    options.hinting = False  # charts render at 150 dpi; hints add size and nothing visible
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(char) for char in wanted_characters()])
    subsetter.subset(font)
    names = font["name"]
    postscript = CJK_FAMILY.replace(" ", "") + "-Regular"
    for record_id, value in (
        (1, CJK_FAMILY),
        (3, f"{postscript};subset of Noto Sans CJK SC 1.004"),
        (4, f"{CJK_FAMILY} Regular"),
        (6, postscript),
        (16, CJK_FAMILY),
    ):
        names.setName(value, record_id, 3, 1, 0x409)
    font["CFF "].cff.fontNames = [postscript]
    CJK_FONT_PATH.parent.mkdir(parents=True, exist_ok=True)
    font.save(CJK_FONT_PATH)
    size_mb = CJK_FONT_PATH.stat().st_size / 1e6
    glyphs = len(font.getGlyphOrder())
    print(f"{CJK_FONT_PATH.relative_to(ROOT)}: {glyphs} glyphs, {size_mb:.2f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
