"""The house style of every chart, and label text made safe to draw.

Settings are passed to each artist explicitly instead of through rcParams or rc_context:
rcParams are process-global, and charts render concurrently in worker threads. For the same
reason the language a chart is drawn in (which picks its fonts) is a context variable set by
`chart_language` around one render, never a process-wide setting.
"""

from __future__ import annotations

import array
import bisect
import contextlib
import contextvars
import dataclasses
import functools
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from matplotlib import font_manager, ft2font
from matplotlib.textpath import TextToPath

WIDTH_IN: Final = 7.2
DPI: Final = 150  # 7.2 in x 150 dpi = 1080 px, the width Telegram shows on a phone

FONT_FAMILY: Final = "DejaVu Sans"
# zh charts fall back to a subset of Noto Sans CJK SC shipped in the package
# (scripts/make_cjk_font.py), so no system font is assumed; DejaVu still draws Latin and digits.
CJK_FAMILY: Final = "Rallybot Sans SC"
CJK_FONT_PATH: Final = Path(__file__).parent / "fonts" / "RallybotSansSC-Regular.otf"
CHART_LANGUAGES: Final = ("en", "zh")

TITLE_PT: Final = 17.0
SUBTITLE_PT: Final = 12.0
PANEL_TITLE_PT: Final = 13.0
TICK_PT: Final = 12.0
AXIS_LABEL_PT: Final = 12.0
LEGEND_PT: Final = 12.0
BAR_VALUE_PT: Final = 11.5
SOURCE_PT: Final = 11.0
NOTE_PT: Final = 14.0
WATERMARK_PT: Final = 64.0

TEXT: Final = "#111111"
MUTED: Final = "#444444"
GRID: Final = "#dcdcdc"
REFERENCE: Final = "#777777"
BACKGROUND: Final = "white"
UP: Final = "#1b7f3b"
DOWN: Final = "#c62828"
WATERMARK: Final = "#9e9e9e"
WATERMARK_ALPHA: Final = 0.16

# Okabe-Ito: distinct for the common colour-vision deficiencies; yellow dropped (faint on white).
BOARD_COLOURS: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
BENCHMARK_STYLES: Final = (("#000000", "--"), ("#555555", "-."), ("#000000", ":"))
LINE_WIDTH: Final = 2.2
MAX_LINES: Final = 6

LABEL_MAX_CHARS: Final = 28
ELLIPSIS: Final = "\u2026"

_WHITESPACE = re.compile(r"\s+")
TITLE_SEPARATOR = " · "
"""Between a chart title's subject and its period."""
_VALUE = re.compile(r"[+\u2212-]?[$]?[\d.,]+[%KMBT]?( ?pp)?|n/a")


_chart_language: contextvars.ContextVar[str] = contextvars.ContextVar(
    "chart_language", default="en"
)
_register_lock = threading.Lock()


@contextlib.contextmanager
def chart_language(lang: str) -> Iterator[None]:
    """Draw the charts built inside in `lang`'s fonts (zh adds the packaged CJK font)."""
    if lang not in CHART_LANGUAGES:
        msg = f"charts are drawn in {CHART_LANGUAGES}, not {lang!r}"
        raise ValueError(msg)
    if lang == "zh":
        register_cjk_font()
    token = _chart_language.set(lang)
    try:
        yield
    finally:
        _chart_language.reset(token)


def current_language() -> str:
    """The language the chart being built is drawn in."""
    return _chart_language.get()


def register_cjk_font() -> None:
    """Add the packaged CJK font to matplotlib's font manager, once per process."""
    with _register_lock:
        installed = {entry.name for entry in font_manager.fontManager.ttflist}
        if CJK_FAMILY in installed:
            return
        font_manager.fontManager.addfont(str(CJK_FONT_PATH))
        # Only the regular weight ships (a bold one would double the size): list it as the
        # bold too, so bold titles take it without matplotlib logging a failed lookup.
        regular = next(e for e in font_manager.fontManager.ttflist if e.name == CJK_FAMILY)
        font_manager.fontManager.ttflist.append(dataclasses.replace(regular, weight=700))


def font_families() -> tuple[str, ...]:
    """The font chain every text uses: DejaVu Sans, then the CJK font for zh charts."""
    return (FONT_FAMILY, CJK_FAMILY) if current_language() == "zh" else (FONT_FAMILY,)


def _drawable_codepoints() -> array.array[int]:
    return _codepoints_of(font_families())


@functools.cache
def _codepoints_of(families: tuple[str, ...]) -> array.array[int]:
    # Sorted 4-byte ints for bisect: 23 kB for DejaVu's 5,700 characters, 75 kB with the CJK
    # font's 13,000 more, where frozensets of int objects held 0.4 and 0.85 MB for good.
    codepoints: set[int] = set()
    for family in families:
        path = font_manager.findfont(
            font_manager.FontProperties(family=family), fallback_to_default=False
        )
        codepoints.update(ft2font.FT2Font(path).get_charmap())
    return array.array("I", sorted(codepoints))


def _has(codepoints: array.array[int], codepoint: int) -> bool:
    at = bisect.bisect_left(codepoints, codepoint)
    return at < len(codepoints) and codepoints[at] == codepoint


def safe_text(text: str, max_chars: int | None = None) -> str:
    """Make text drawable on one line: drop glyphs no font has, shorten with '…', escape '$'."""
    kept = _drawable(text)
    if max_chars is not None:
        kept = _shorten(kept, max_chars)
    return _escape_dollars(kept)


def fit_text(text: str, size_pt: float, max_width_in: float, *, bold: bool = False) -> str:
    """Like safe_text, but shortened until it measures no wider than max_width_in."""
    kept = _drawable(text)
    for limit in range(len(kept), 0, -1):
        candidate = _shorten(kept, limit)
        if text_width_in(candidate, size_pt, bold=bold) <= max_width_in:
            return _escape_dollars(candidate)
    return ""


def wrap_text(
    text: str, size_pt: float, max_width_in: float, *, bold: bool = False, max_lines: int = 2
) -> str:
    """Break text into at most max_lines lines that each fit max_width_in; '…' if still long."""
    words = _drawable(text).split(" ")
    lines: list[str] = []
    while words:
        if len(lines) == max_lines - 1:
            lines.append(fit_text(" ".join(words), size_pt, max_width_in, bold=bold))
            break
        taken = 1
        while taken < len(words) and (
            text_width_in(" ".join(words[: taken + 1]), size_pt, bold=bold) <= max_width_in
        ):
            taken += 1
        lines.append(fit_text(" ".join(words[:taken]), size_pt, max_width_in, bold=bold))
        words = words[taken:]
    return "\n".join(lines)


def text_width_in(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Width of one line of text in inches when drawn in the house fonts."""
    font = font_manager.FontProperties(
        family=list(font_families()), size=size_pt, weight="bold" if bold else "normal"
    )
    width_pt, _, _ = TextToPath().get_text_width_height_descent(text, font, ismath=False)
    return float(width_pt) / 72.0


def _drawable(text: str) -> str:
    drawable = _drawable_codepoints()
    # Missing glyphs would render as boxes and make matplotlib warn; a name like
    # "寒武纪 Cambricon" keeps its Latin part, so dropping them loses little.
    kept = "".join(char if _has(drawable, ord(char)) else " " for char in text)
    kept = _WHITESPACE.sub(" ", kept).strip()
    if not kept and text.strip():
        return "?"
    return kept


def _shorten(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    # Titles end in their period ("… · since 2025-01-27"): shorten the name, keep the period.
    head, separator, tail = text.rpartition(TITLE_SEPARATOR)
    if head and len(tail) <= max_chars * 2 // 3:
        room = max_chars - len(tail) - len(separator) - 1
        if room >= 3:
            return f"{head[:room].rstrip()}{ELLIPSIS}{separator}{tail}"
    # Legend labels end in their number ("… +12.9%"); shorten the name, keep the number.
    head, _, tail = text.rpartition(" ")
    if head and len(tail) <= max_chars // 3 and _VALUE.fullmatch(tail):
        room = max_chars - len(tail) - 2
        if room >= 3:
            return f"{head[:room].rstrip()}{ELLIPSIS} {tail}"
    return text[: max_chars - 1].rstrip() + ELLIPSIS


def _escape_dollars(text: str) -> str:
    # A pair of "$" would switch matplotlib into mathtext ("+$1B to +$2B"); "\$" draws "$".
    return text.replace("$", r"\$")
