"""Controls for the filter bars drawn on every visit to a list page, in Bootstrap's markup.

Django draws each control through a template, and a select through one more for each option: on the
register's bar (ten controls, about seventy options) that was 5 ms of a 31 ms page. A filter bar's controls
are simple (no option groups, no per-option attributes), so these write the same markup in Python.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FilterSelect(forms.Select):
    """A single-choice select without option groups, its options written in one pass."""

    def __init__(self, attrs: dict | None = None, choices: Any = ()) -> None:
        super().__init__({"class": "form-select", **(attrs or {})}, choices)

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        chosen = set(self.format_value(value))
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((str(v), " selected" if str(v) in chosen else "", label) for v, label in self.choices),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           options)


class FilterYesNo(FilterSelect):
    """Yes, No or either, for a true-or-false filter (a NullBooleanField reads "true" and "false")."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, choices=[("", "Any"), ("true", "Yes"), ("false", "No")])

    def format_value(self, value: Any) -> list[str]:
        return [{True: "true", False: "false", "True": "true", "False": "false"}.get(value, value or "")]


class FilterText(forms.TextInput):
    """A search box."""

    input_type = "search"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"class": "form-control", **(attrs or {})})

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        shown = self.format_value(value)
        return format_html('<input type="{}" name="{}"{}{}>', self.input_type, name,
                           format_html(' value="{}"', shown) if shown else "",
                           flatatt(self.build_attrs(self.attrs, attrs)))


class FilterDate(FilterText):
    """A date picker; the value as the browser sends it (2025-11-03)."""

    input_type = "date"

    def format_value(self, value: Any) -> str | None:
        return value.isoformat() if hasattr(value, "isoformat") else value


class FilterCheckbox(forms.CheckboxInput):
    """A tick box, sent as "on" when ticked."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"class": "form-check-input", **(attrs or {})})

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        final = self.build_attrs(self.attrs, attrs)
        if self.check_test(value):
            final["checked"] = True
        return format_html('<input type="checkbox" name="{}"{}>', name, flatatt(final))
