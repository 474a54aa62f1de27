"""A pupil's progress over time, drawn as an SVG line chart on the pupil page.

Secondary pupils: the GCSE grade each subject is working at, term by term, with its latest
target as a dashed line. Primary pupils: the reading, writing and maths judgements. The
numbers are shown in a table beside the chart, so the chart is never the only way to read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from cwsw.terms import TERM_NAMES, academic_year_label

from .models import ATTAINMENT_CHOICES, AttainmentRecord, Pupil, SubjectGrade

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 260, 96, 48, 14, 44
LEGEND_ROW = 18
MAX_TERMS = 9        # three school years
MAX_SUBJECTS = 4     # English and maths first; more lines than this cannot be told apart
# Colours that stay distinct for the common kinds of colour blindness (Okabe and Ito's palette).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
DASHES = ("", "6 3", "2 3", "8 3 2 3")  # each line also has its own dash pattern
JUDGEMENT_LEVELS = {code: i + 1 for i, (code, _) in enumerate(ATTAINMENT_CHOICES)}


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[int, int]]  # (term index, level)
    target: int | None = None


def _term_key(record: AttainmentRecord | SubjectGrade) -> tuple[int, int]:
    return record.academic_year, TERM_NAMES.index(record.term)


def _term_label(key: tuple[int, int]) -> str:
    return f"{TERM_NAMES[key[1]].capitalize()} {academic_year_label(key[0])}"


def _subject_order(subject: str) -> tuple[int, str]:
    first = {"english_language": 0, "maths": 1, "english_literature": 2}
    return first.get(subject, 3), subject


def progress(pupil: Pupil) -> dict | None:
    """The chart (SVG) and the terms it covers, or None when there are fewer than two terms to join."""
    grades = list(SubjectGrade.objects.filter(pupil=pupil))
    if grades:
        return _grades_chart(grades)
    judgements = list(AttainmentRecord.objects.filter(pupil=pupil).exclude(reading="", writing="", maths=""))
    return _judgements_chart(judgements)


def _grades_chart(grades: list[SubjectGrade]) -> dict | None:
    terms = sorted({_term_key(g) for g in grades})[-MAX_TERMS:]
    index = {key: i for i, key in enumerate(terms)}
    labels = dict(SubjectGrade._meta.get_field("subject").choices)
    series = []
    for subject in sorted({g.subject for g in grades}, key=_subject_order)[:MAX_SUBJECTS]:
        mine = sorted((g for g in grades if g.subject == subject and _term_key(g) in index), key=_term_key)
        points = [(index[_term_key(g)], g.current) for g in mine if g.current is not None]
        target = next((g.target for g in reversed(mine) if g.target is not None), None)
        if points:
            series.append(Series(labels[subject], points, target))
    levels = [("U", 0)] + [(str(g), g) for g in range(1, 10)]
    return _chart(series, terms, levels, title="GCSE grade working at, by term (dashed: target)",
                  what="grades")


def _judgements_chart(records: list[AttainmentRecord]) -> dict | None:
    terms = sorted({_term_key(r) for r in records})[-MAX_TERMS:]
    index = {key: i for i, key in enumerate(terms)}
    series = []
    for subject in ("reading", "writing", "maths"):
        points = [(index[_term_key(r)], JUDGEMENT_LEVELS[getattr(r, subject)])
                  for r in sorted(records, key=_term_key) if _term_key(r) in index and getattr(r, subject)]
        if points:
            series.append(Series(subject.capitalize(), points))
    levels = [(label, JUDGEMENT_LEVELS[code]) for code, label in ATTAINMENT_CHOICES]
    return _chart(series, terms, levels, title="Reading, writing and maths judgements, by term",
                  what="judgements")


def _chart(series: list[Series], terms: list[tuple[int, int]], levels: list[tuple[str, int]], *,
           title: str, what: str) -> dict | None:
    if len(terms) < 2 or not series:
        return None
    low, high = levels[0][1], levels[-1][1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(terms) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + i * step, 1)

    def y(level: int) -> float:
        return round(TOP + plot_h * (high - level) / (high - low), 1)

    lines = []
    for n, s in enumerate(series):
        lines.append({
            "label": s.label, "colour": COLOURS[n], "dash": DASHES[n],
            "path": " ".join(f"{'M' if i == 0 else 'L'}{x(t)},{y(v)}" for i, (t, v) in enumerate(s.points)),
            "dots": [{"x": x(t), "y": y(v)} for t, v in s.points],
            "target_y": y(s.target) if s.target is not None else None,
        })
    legend_top = HEIGHT + 6
    svg = render_to_string("pupils/_progress_chart.svg", {
        "title": title, "width": WIDTH, "height": legend_top + LEGEND_ROW * len(lines),
        "left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM,
        "levels": [{"label": label, "y": y(level)} for label, level in levels],
        "terms": [{"term": TERM_NAMES[key[1]].capitalize(), "year": academic_year_label(key[0]), "x": x(i)}
                  for i, key in enumerate(terms)],
        "lines": lines, "legend": [{"y": legend_top + LEGEND_ROW * n + 10, **line} for n, line in enumerate(lines)],
        "label_y": HEIGHT - BOTTOM + 16,
    })
    return {"svg": SafeString(svg), "what": what, "first": _term_label(terms[0]), "last": _term_label(terms[-1])}
