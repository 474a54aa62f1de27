"""Filters for the access log (django-filter)."""

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from pupils.models import Pupil

from .models import AccessLog

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
    action = django_filters.ChoiceFilter(choices=AccessLog.ACTIONS, label="Action", empty_label="Any action")
    q = django_filters.CharFilter(method="filter_pupil_search", label="Pupil name or UPN")
    # Set by the link from a pupil's page; kept when the pupil's record is gone.
    pupil = django_filters.NumberFilter(field_name="pupil_id", widget=forms.HiddenInput)

    class Meta:
        model = AccessLog
        fields: list[str] = []
        form = AccessLogForm

    def filter_pupil_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pupil_id__in=Pupil.objects.search(value).values("pk"))
