"""Bar charts drawn as SVG for the PDF (WeasyPrint renders inline SVG)."""

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

# In CSS pixels, as WeasyPrint and the browser draw them (a pixel is 0.75 pt): the chart fills the A4 page's
# width, so its 12 px labels print at 9 pt.
WIDTH, BAR_HEIGHT, GAP, LABEL_WIDTH, VALUE_WIDTH = 640, 22, 8, 220, 90
FONT_SIZE = 12


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
        "label_width": LABEL_WIDTH, "value_x": WIDTH - VALUE_WIDTH + 6, "text_dy": BAR_HEIGHT - 6,
        "font_size": FONT_SIZE,
    })


STACK_COLOURS = ("#146c43", "#ffc107", "#b02a37")  # on time, late, missed: green, amber, red
LEGEND_HEIGHT = 26


def stacked_bar_chart(rows: list[tuple[str, list[Any]]], *, series: list[str], title: str,
                      colours: tuple[str, ...] = STACK_COLOURS) -> SafeString:
    """One bar per row, split into its series as shares of the row's total, with a legend.

    A row with a hidden ("c") part is drawn as no bar, with words saying so: the lengths of the
    parts shown would otherwise give away the hidden one.
    """
    track = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    drawn = []
    for i, (label, values) in enumerate(rows):
        y = LEGEND_HEIGHT + i * (BAR_HEIGHT + GAP)
        hidden = any(not isinstance(v, int) for v in values)
        total = 0 if hidden else sum(values)
        segments, x = [], LABEL_WIDTH
        if total:
            for value, colour in zip(values, colours, strict=False):
                length = round(track * value / total)
                segments.append({"x": x, "length": length, "colour": colour})
                x += length
        note = "small numbers hidden" if hidden else ("none due" if not total else f"{total} due")
        note_x = (WIDTH - VALUE_WIDTH + 6) if segments else LABEL_WIDTH + 4
        drawn.append({"label": label, "y": y, "segments": segments, "note": note, "note_x": note_x})
    legend = [{"label": name, "colour": colour, "x": LABEL_WIDTH + i * 130}
              for i, (name, colour) in enumerate(zip(series, colours, strict=False))]
    return render_to_string("reporting/_stacked_chart.svg", {
        "title": title, "rows": drawn, "legend": legend, "width": WIDTH,
        "height": LEGEND_HEIGHT + len(rows) * (BAR_HEIGHT + GAP), "bar_height": BAR_HEIGHT,
        "text_dy": BAR_HEIGHT - 6, "font_size": FONT_SIZE,
    })
