"""The category badge, in the plain words of cohort.category_label."""

from django import template
from django.utils.html import format_html

from pupils import cohort

register = template.Library()


@register.simple_tag
def category_badge(category: str | None, plan: str | None = None, kinship: bool = False) -> str:
    """A coloured badge for a cohort category; "Not in the cohort" in grey when there is none. With
    `kinship`, a second badge says the pupil lives in kinship care (unless that is their category)."""
    badge = _category_badge(category, plan)
    if kinship and category != cohort.KINSHIP:
        badge = format_html('{} <span class="badge category-KINSHIP" data-testid="kinship">{}</span>', badge,
                            cohort.KINSHIP_MARKER)
    return badge


def _category_badge(category: str | None, plan: str | None) -> str:
    if not category:
        return format_html('<span class="text-body-secondary" data-testid="category">{}</span>',
                           cohort.NOT_IN_COHORT_LABEL)
    css = f"category-{category}-{plan}" if category == cohort.CWSW and plan in cohort.PLAN_LABELS else \
        f"category-{category}"
    return format_html('<span class="badge {}" data-testid="category" title="{}">{}</span>', css,
                       cohort.CATEGORY_LABELS[category], cohort.category_label(category, plan, short=True))

