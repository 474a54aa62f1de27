"""`{% filter_control form.field %}`: one labelled control of a filter bar, in Bootstrap's markup.

A tag rather than an included template: a list page draws up to ten of these on every visit, and an
include costs about what the rest of a table row does.
"""

from django import template
from django.forms import BoundField, CheckboxInput
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def filter_control(field: BoundField) -> str:
    errors = format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in field.errors))
    if isinstance(field.field.widget, CheckboxInput):
        return format_html(
            '<div class="mb-3"><div class="form-check mt-md-4">{} <label class="form-check-label" for="{}">{}</label>'
            "</div>{}</div>", field.as_widget(), field.id_for_label, field.label, errors)
    return format_html('<div class="mb-3"><label class="form-label" for="{}">{}</label>{}{}</div>',
                       field.id_for_label, field.label, field.as_widget(), errors)
