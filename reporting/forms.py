import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from cwsw.forms import DATE_WIDGET, CrispyFormMixin
from cwsw.models import Term
from cwsw.terms import academic_year_label, academic_year_of

from .models import ReportNarrative, SchoolFigures, TrainingRecord


def report_year_choices() -> list[tuple[int, str]]:
    this = academic_year_of(timezone.localdate())
    return [(y, academic_year_label(y)) for y in range(this, this - 4, -1)]


def last_complete_year(today: dt.date) -> int:
    """The latest academic year whose last school day has passed: the one governors are reported to on."""
    this = academic_year_of(today)
    days = Term.calendar(this, this).school_days_of(this)
    return this if days and days[-1] < today else this - 1


class ReportRequestForm(forms.Form):
    academic_year = forms.TypedChoiceField(coerce=int, choices=report_year_choices, label="Academic year")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"academic_year": last_complete_year(timezone.localdate())})
        super().__init__(*args, **kwargs)


class NarrativeForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Save the narrative"

    class Meta:
        model = ReportNarrative
        fields = ["strengths", "priorities"]
        widgets = {"strengths": forms.Textarea(attrs={"rows": 6}), "priorities": forms.Textarea(attrs={"rows": 6})}


class SchoolFiguresForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Save the term's figures"

    class Meta:
        model = SchoolFigures
        fields = [
            "term", "pupils_on_roll", "attendance_percent", "persistent_absence_percent", "suspensions",
            "suspension_days", "permanent_exclusions", "reading_expected_percent", "writing_expected_percent",
            "maths_expected_percent",
        ]

    def __init__(self, *args: Any, academic_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.academic_year = academic_year

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        existing = SchoolFigures.objects.filter(academic_year=self.instance.academic_year,
                                                term=data.get("term")).first()
        if existing is not None:  # a term entered again is corrected, not duplicated
            self.instance.pk, self.instance._state.adding = existing.pk, False
        return data


class TrainingForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Add training"

    class Meta:
        model = TrainingRecord
        fields = ["attended_by", "title", "provider", "date", "hours"]
        widgets = {"date": DATE_WIDGET}
