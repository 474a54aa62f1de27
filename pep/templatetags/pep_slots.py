"""`{% slot_cell slots %}`: one term's PEPs owed, as the grid and a child's casework page show them.

A tag rather than included templates: the grid draws one cell for each child and term (75 on a page), and
an include inside an include cost more than the rest of the row.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from cwsw.templatetags.plain import day

register = template.Library()

# Each status the grid counts (pep.selectors.GRID_COUNTS): its badge and words (None: the slot's own label,
# "Due 3 Apr 2026"); "not needed" is muted words, not a badge.
BADGES = {
    "on_time": ("text-bg-success", "On time"),
    "late": ("text-bg-warning", "Late"),
    "overdue": ("text-bg-danger", "Overdue"),
    "missed": ("text-bg-secondary", "Missed"),
    "due_soon": ("text-bg-info", "Due soon"),
    "later": ("text-bg-light border", None),
}
NOTHING_OWED = mark_safe(  # noqa: S308 (constant markup)
    '<span class="text-muted small" title="No PEP is owed for this term: not looked after then, or the initial PEP '
    'is due later">—</span>')


def status_badge(slot) -> SafeString:
    """The slot's status as a badge; a slot not needed (or of no status) in muted words."""
    if slot.shown_status not in BADGES:
        return format_html('<span class="text-muted small">{}</span>', slot.shown_label)
    css, words = BADGES[slot.shown_status]
    return format_html('<span class="badge {}">{}</span>', css, words or slot.shown_label)


def _slot(slot) -> SafeString:
    what = "Initial PEP, due" if slot.is_initial else "Review, due"
    link = ""
    if slot.pep_id:
        words = f"Held {day(slot.held_on)}" if slot.held_on else "Planned PEP"
        link = format_html('<div class="small"><a href="{}">{}</a></div>',
                           reverse("pep:pep_detail", args=[slot.pep_id]), words)
    return format_html('<div class="slot">{}<div class="small text-muted">{} {}</div>{}</div>',
                       status_badge(slot), what, day(slot.due), link)


@register.simple_tag
def slot_cell(slots) -> SafeString:
    if not slots:
        return NOTHING_OWED
    return format_html_join("", "{}", ((_slot(slot),) for slot in slots))
