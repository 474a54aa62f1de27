"""The filters of the register and of the access log: plain forms, each with the query it stands for."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from cwsw import audit, roles
from cwsw.models import AccessLog
from cwsw.widgets import FilterCheckbox, FilterDate, FilterSelect, FilterText, FilterYesNo

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


ORDERS = {  # the "Sort by" choices: value, words, and the columns they sort by (the pupil's id last, always)
    "": ("Name (A to Z)", ("last_name", "first_name")),
    "-name": ("Name (Z to A)", ("-last_name", "-first_name")),
    "category": ("Category", ("category", "last_name", "first_name")),
    "-dob": ("Youngest first", ("-date_of_birth",)),
    "dob": ("Oldest first", ("date_of_birth",)),
    "-admitted": ("Newest admissions first", ("-admission_date",)),
}


class RegisterForm(forms.Form):
    """The register's filters and order, read from the query string; `pupils()` applies them.

    A plain form whose controls are drawn in Python (cwsw/widgets.py): it is made and drawn on every visit to
    the register. A value that does not make sense (a year group of "abc") is shown as an error next to its
    control and left out; the others still apply.
    """

    q = forms.CharField(label="Name or UPN", required=False, max_length=100, widget=FilterText)
    category = forms.ChoiceField(label="Category", choices=CATEGORY_CHOICES, required=False, widget=FilterSelect)
    year_group = forms.TypedChoiceField(
        label="Year group", choices=[("", "Any year"), *((y, years.year_group_label(y)) for y in years.YEAR_GROUPS)],
        coerce=int, empty_value=None, required=False, widget=FilterSelect)
    key_stage = forms.ChoiceField(label="Key stage", required=False, widget=FilterSelect,
                                  choices=[("", "Any key stage"), *((k, k) for k in years.KEY_STAGES)])
    ordering = forms.ChoiceField(label="Sort by", choices=[(value, words) for value, (words, _) in ORDERS.items()],
                                 required=False, widget=FilterSelect)
    sen_status = forms.ChoiceField(label="SEN", choices=[("", "Any SEN"), *SEN_CHOICES], required=False,
                                   widget=FilterSelect)
    fsm_eligible = forms.NullBooleanField(label="Free school meals", required=False, widget=FilterYesNo)
    key_adult = forms.TypedChoiceField(label="Key adult", coerce=int, empty_value=None, required=False,
                                       widget=FilterSelect)
    new_flags = forms.BooleanField(label="New flags only", required=False, widget=FilterCheckbox)
    leavers = forms.BooleanField(label="Include leavers", required=False, widget=FilterCheckbox)

    # Filters on what only casework roles may see: not offered to a key adult (a filter on SEN
    # would tell them who has SEN as surely as a column), nor applied.
    CASEWORK_ONLY = ("sen_status", "fsm_eligible", "key_adult", "new_flags")

    def __init__(self, data: Any, *, user: Any) -> None:
        data = data.copy()
        if not data.get("category"):
            data["category"] = IN_COHORT
        super().__init__(data)
        if not roles.can_see_social_care(user):
            for name in self.CASEWORK_ONLY:
                del self.fields[name]
        else:
            self.fields["key_adult"].choices = [("", "Any key adult"), *(
                (pk, f"{first} {last}".strip() or username)
                for pk, first, last, username in key_adult_choices().values_list(
                    "pk", "first_name", "last_name", "username"))]

    @property
    def chosen(self) -> dict[str, Any]:
        """The filters that made sense, by name (every one, if the form is valid)."""
        self.is_valid()
        return self.cleaned_data

    def pupils(self, pupils: QuerySet) -> QuerySet:
        """These pupils, filtered and sorted as asked (the pupil's id breaks ties, so pages never overlap)."""
        data, today = self.chosen, timezone.localdate()
        if search := data.get("q"):
            pupils = pupils.search(search)
        category = data.get("category") or IN_COHORT
        if category == IN_COHORT:
            pupils = pupils.in_category_on(today)
        elif category == NOT_IN_COHORT:
            pupils = pupils.in_no_category_on(today)
        elif category != EVERYONE:
            pupils = pupils.in_category_on(today, category)
        if (year := data.get("year_group")) is not None:
            pupils = pupils.in_year_groups(year, year, today)
        if stage := data.get("key_stage"):
            pupils = pupils.in_year_groups(*years.KEY_STAGES[stage], today)
        if sen := data.get("sen_status"):
            pupils = pupils.filter(sen_status=sen)
        if (fsm := data.get("fsm_eligible")) is not None:
            pupils = pupils.filter(fsm_eligible=fsm)
        if (adult := data.get("key_adult")) is not None:
            pupils = pupils.filter(key_adult_id=adult)
        if data.get("new_flags"):
            pupils = pupils.with_new_flag().filter(has_new_flag=True)
        if not data.get("leavers"):
            pupils = pupils.on_roll(today)
        order = data.get("ordering") or ""
        if order == "category":  # by today's
            pupils = pupils.with_category(today)
        return pupils.order_by(*ORDERS[order][1], "pk")

    def count_from(self, category_counts: dict[str, int]) -> int | None:
        """How many pupils the filter holds, read off the register's counts of each category on roll when the
        filter asks for nothing but a category (None otherwise, or when a filter did not make sense)."""
        data = self.chosen
        if self.errors or any(value not in (None, "", False) for name, value in data.items()
                              if name not in ("category", "ordering")):
            return None
        category = data.get("category") or IN_COHORT
        if category == IN_COHORT:
            return sum(category_counts.values())
        return category_counts.get(category)


# --- The access log (the headteacher's page) ----------------------------------------

class AccessLogForm(forms.Form):
    """The access log's filters; `entries()` applies them (none at all while one does not make sense)."""

    user = forms.TypedChoiceField(label="User", coerce=int, empty_value=None, required=False, widget=FilterSelect)
    q = forms.CharField(label="Pupil name or UPN", required=False, max_length=100, widget=FilterText)
    code = forms.ChoiceField(label="What was done", required=False, widget=FilterSelect)
    action = forms.ChoiceField(label="Kind of action", choices=[("", "Any kind"), *AccessLog.ACTIONS],
                               required=False, widget=FilterSelect)
    since = forms.DateField(label="From", required=False, widget=FilterDate)
    until = forms.DateField(label="To", required=False, widget=FilterDate)
    # Set by the link from a pupil's page; kept when the pupil's record is gone.
    pupil = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    # Set by the link from a request's group of rows: everything one request did.
    request = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        people = get_user_model().objects.order_by("last_name", "first_name", "username")
        self.fields["user"].choices = [("", "Anyone"), *(
            (pk, f"{first} {last}".strip() or username)
            for pk, first, last, username in people.values_list("pk", "first_name", "last_name", "username"))]
        # Drawn when the form is made: every app has registered its codes by then.
        self.fields["code"].choices = [("", "Anything"), *((a.code, a.words) for a in audit.actions())]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The 'to' date is before the 'from' date.")
        return cleaned

    def entries(self, entries: QuerySet) -> QuerySet:
        if not self.is_valid():
            return entries.none()
        data = self.cleaned_data
        exact = {"user_id": data["user"], "code": data["code"], "action": data["action"], "pupil_id": data["pupil"],
                 "request_id": data["request"], "at__date__gte": data["since"], "at__date__lte": data["until"]}
        entries = entries.filter(**{lookup: value for lookup, value in exact.items() if value not in (None, "")})
        if data["q"]:
            entries = entries.filter(pupil_id__in=Pupil.objects.search(data["q"]).values("pk"))
        return entries
