"""Label text made safe to draw: missing glyphs, long labels, dollar signs."""

from __future__ import annotations

import pytest

from charts.style import fit_text, safe_text, text_width_in, wrap_text


@pytest.mark.parametrize(
    ("text", "max_chars", "expected"),
    [
        ("Tencent", 28, "Tencent"),
        # DejaVu Sans has no CJK glyphs: the Latin part survives, a name with none becomes "?".
        ("寒武纪 Cambricon", 28, "Cambricon"),
        ("寒武纪", 28, "?"),
        ("  STAR 50\n +1.2%  ", None, "STAR 50 +1.2%"),
        ("A very long label that goes on and on", 28, "A very long label that goes…"),
        # A trailing figure is kept whole; the name is shortened instead.
        ("Philadelphia Semiconductor +15.0%", 28, "Philadelphia Semicon… +15.0%"),
        ("CSI 300 Information Technology \u22120.4%", 28, "CSI 300 Information T… \u22120.4%"),
        # A title keeps its period whole; the subject is shortened instead.
        (
            "China AI 33 (rallybot default) · since 2025-01-27",
            36,
            "China AI 33 (ral… · since 2025-01-27",
        ),
        # Two dollar signs would start mathtext; escaped, they draw as plain "$".
        ("+$1B to +$2B", None, r"+\$1B to +\$2B"),
        ("", None, ""),
    ],
)
def test_safe_text_makes_labels_drawable(text: str, max_chars: int | None, expected: str) -> None:
    assert safe_text(text, max_chars) == expected


def test_fit_text_shortens_until_it_fits() -> None:
    long_title = "China tech rally " * 6
    fitted = fit_text(long_title, 17.0, 6.8, bold=True)
    assert fitted.endswith("…")
    assert text_width_in(fitted, 17.0, bold=True) <= 6.8
    assert fit_text("China tech rally · YTD", 17.0, 6.8, bold=True) == "China tech rally · YTD"
    ranged = fit_text(f"{long_title}· 2025-04-01 → 2025-12-31", 17.0, 6.8, bold=True)
    assert ranged.endswith("… · 2025-04-01 → 2025-12-31")
    assert text_width_in(ranged, 17.0, bold=True) <= 6.8


def test_wrap_text_breaks_at_words_within_two_lines() -> None:
    wrapped = wrap_text("China AI basket: top contributors by USD value change, YTD", 13.0, 4.5)
    lines = wrapped.split("\n")
    assert len(lines) == 2
    assert " ".join(lines) == "China AI basket: top contributors by USD value change, YTD"
    assert all(text_width_in(line, 13.0) <= 4.5 for line in lines)
