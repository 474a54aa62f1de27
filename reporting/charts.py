"""Bar charts drawn as SVG for the PDF (WeasyPrint renders inline SVG)."""

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

WIDTH, BAR_HEIGHT, GAP, LABEL_WIDTH, VALUE_WIDTH = 460, 18, 8, 150, 60


def bar_chart(bars: list[tuple[str, Any, Any]], *, title: str, max_value: float | None = None) -> SafeString:
    """Draw horizontal bars; each bar is (label, value to draw, text to show). "c" draws no bar."""
    numbers = [float(v) for _, v, shown in bars if shown != "c" and isinstance(v, int | float | Decimal)]
    top = max_value or max(numbers, default=0) or 1
    track = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for i, (label, value, shown) in enumerate(bars):
        drawable = shown != "c" and isinstance(value, int | float | Decimal)
        length = round(track * float(value) / top) if drawable else 0
        rows.append({"label": label, "shown": shown, "y": i * (BAR_HEIGHT + GAP), "length": max(length, 0)})
    height = len(bars) * (BAR_HEIGHT + GAP)
    return render_to_string("reporting/_bar_chart.svg", {
        "title": title, "rows": rows, "width": WIDTH, "height": height, "bar_height": BAR_HEIGHT,
        "label_width": LABEL_WIDTH, "value_x": WIDTH - VALUE_WIDTH + 6, "text_dy": BAR_HEIGHT - 5,
    })
