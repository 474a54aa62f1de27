"""The register's filters and sorting (django-filter)."""

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from cwsw import audit, roles
from cwsw.models import AccessLog

from . import cohort, years
from .forms import key_adult_choices
from .models import SEN_CHOICES, Pupil

IN_COHORT, NOT_IN_COHORT, EVERYONE = "cohort", "none", "all"
CATEGORY_CHOICES = [
    (IN_COHORT, "In the cohort (any category)"),
    *[(c, cohort.CATEGORY_LABELS[c]) for c in cohort.CATEGORIES],
    (NOT_IN_COHORT, "Not in the cohort"),
    (EVERYONE, "Everyone on the register"),
]

YES_NO_ANY = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])


class RegisterFilter(django_filters.FilterSet):
    """Filters and sorts the register's pupils: the columns shown are read afterwards, for one page."""

    q = django_filters.CharFilter(method="filter_search", label="Name or UPN")
    category = django_filters.ChoiceFilter(
        choices=CATEGORY_CHOICES, method="filter_category", empty_label=None, label="Category",
    )
    year_group = django_filters.ChoiceFilter(
        choices=[(y, years.year_group_label(y)) for y in years.YEAR_GROUPS],
        method="filter_year_group", label="Year group", empty_label="Any year",
    )
    key_stage = django_filters.ChoiceFilter(
        choices=[(k, k) for k in years.KEY_STAGES], method="filter_key_stage",
        label="Key stage", empty_label="Any key stage",
    )
    sen_status = django_filters.ChoiceFilter(choices=SEN_CHOICES, label="SEN", empty_label="Any SEN")
    fsm_eligible = django_filters.BooleanFilter(label="Free school meals", widget=YES_NO_ANY)
    key_adult = django_filters.ModelChoiceFilter(
        queryset=lambda request: key_adult_choices(), label="Key adult", empty_label="Any key adult",
    )
    new_flags = django_filters.BooleanFilter(
        method="filter_new_flags", label="New flags only", widget=forms.CheckboxInput,
    )
    leavers = django_filters.BooleanFilter(
        method="filter_leavers", label="Include leavers", widget=forms.CheckboxInput,
    )
    ordering = django_filters.OrderingFilter(
        fields=[
            ("last_name", "name"),
            ("category", "category"),
            ("date_of_birth", "dob"),
            ("admission_date", "admitted"),
        ],
        # Each order once, in words: the empty choice is name A to Z.
        choices=[("-name", "Name (Z to A)"), ("category", "Category"), ("-dob", "Youngest first"),
                 ("dob", "Oldest first"), ("-admitted", "Newest admissions first")],
        label="Sort by", empty_label="Name (A to Z)",
    )
    # Filters on what only casework roles may see: not offered to a key adult (a filter on SEN
    # would tell them who has SEN as surely as a column).
    CASEWORK_ONLY = ("sen_status", "fsm_eligible", "key_adult", "new_flags")

    class Meta:
        model = Pupil
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else {}
        data.setdefault("category", IN_COHORT)
        super().__init__(data, *args, **kwargs)
        request = kwargs.get("request")
        if request is None or not roles.can_see_social_care(request.user):
            for name in self.CASEWORK_ONLY:
                self.filters.pop(name, None)  # the form is built from the filters left
        if "key_adult" in self.form.fields:
            self.form.fields["key_adult"].label_from_instance = lambda user: user.get_full_name() or user.username
        for field in self.form.fields.values():  # Bootstrap's classes (templates/_filter_field.html)
            widget = field.widget
            css = ("form-check-input" if isinstance(widget, forms.CheckboxInput)
                   else "form-select" if isinstance(widget, forms.Select) else "form-control")
            widget.attrs.setdefault("class", css)

    def count_from(self, category_counts: dict[str, int]) -> int | None:
        """How many pupils the filter holds, read off the register's counts of each category on roll when the
        filter asks for nothing but a category (None otherwise, or when the form is not valid)."""
        if not self.form.is_valid():
            return None
        data = self.form.cleaned_data
        if any(value not in (None, "", False) for name, value in data.items() if name not in ("category", "ordering")):
            return None
        category = data.get("category") or IN_COHORT
        if category == IN_COHORT:
            return sum(category_counts.values())
        return category_counts.get(category)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if any(o.lstrip("-") == "category" for o in self.form.cleaned_data.get("ordering") or []):  # by today's
            queryset = queryset.with_category(timezone.localdate())
        return super().filter_queryset(queryset)

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        if not self.form.cleaned_data.get("leavers"):
            queryset = queryset.on_roll()
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("last_name", "first_name", "pk")
        else:
            queryset = queryset.order_by(*queryset.query.order_by, "pk")
        return queryset

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)

    def filter_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = timezone.localdate()
        if value == IN_COHORT:
            return queryset.in_category_on(today)
        if value == NOT_IN_COHORT:
            return queryset.in_no_category_on(today)
        if value == EVERYONE:
            return queryset
        return queryset.in_category_on(today, value)

    def filter_year_group(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.in_year_groups(int(value), int(value), timezone.localdate())

    def filter_key_stage(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        low, high = years.KEY_STAGES[value]
        return queryset.in_year_groups(low, high, timezone.localdate())

    def filter_new_flags(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.with_new_flag().filter(has_new_flag=True) if value else queryset

    def filter_leavers(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset  # applied in qs, because the default (on roll) applies when unset


# --- The access log (the headteacher's page) ----------------------------------------

DATE = forms.DateInput(attrs={"type": "date"})


class AccessLogForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The 'to' date is before the 'from' date.")
        return cleaned


class AccessLogFilter(django_filters.FilterSet):
    user = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.order_by("last_name", "first_name", "username"),
        label="User", empty_label="Anyone",
    )
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label="From", widget=DATE)
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label="To", widget=DATE)
    action = django_filters.ChoiceFilter(choices=AccessLog.ACTIONS, label="Kind of action", empty_label="Any kind")
    # Drawn when the form is made: every app has registered its codes by then.
    code = django_filters.ChoiceFilter(choices=lambda: [(a.code, a.words) for a in audit.actions()],
                                       label="What was done", empty_label="Anything")
    q = django_filters.CharFilter(method="filter_pupil_search", label="Pupil name or UPN")
    # Set by the link from a pupil's page; kept when the pupil's record is gone.
    pupil = django_filters.NumberFilter(field_name="pupil_id", widget=forms.HiddenInput, min_value=1,
                                        max_value=2**63 - 1)
    # Set by the link from a request's group of rows: everything one request did.
    request = django_filters.UUIDFilter(field_name="request_id", widget=forms.HiddenInput)

    class Meta:
        model = AccessLog
        fields: list[str] = []
        form = AccessLogForm

    def filter_pupil_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pupil_id__in=Pupil.objects.search(value).values("pk"))
