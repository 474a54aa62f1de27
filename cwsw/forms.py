from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from . import roles
from .ics import MAX_BYTES
from .models import SchoolProfile, Term
from .terms import CLOSURE_KINDS, TERM_NAMES, ClosureDates, TermDates, academic_year_bounds

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Every date entered on a form falls in these years: a date of birth in 1900 is a typing slip already, and a
# date near the calendar's own ends (0001, 9999) would overflow the rules that count days from it.
PLAUSIBLE_YEARS = (1900, 2100)


def plausible_date(value: Any) -> None:
    if value is not None and not PLAUSIBLE_YEARS[0] <= value.year <= PLAUSIBLE_YEARS[1]:
        raise ValidationError(
            f"Enter a date between {PLAUSIBLE_YEARS[0]} and {PLAUSIBLE_YEARS[1]}; check the year.", code="implausible")


EMPTY_CHOICE = "Choose…"


def plain_empty_choices(form: forms.BaseForm) -> None:
    """Say "Choose…" where Django's drop-downs offer "---------" for no choice yet."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.empty_label == "---------":
            field.empty_label = EMPTY_CHOICE
        elif isinstance(field, forms.ChoiceField) and not isinstance(field.widget, forms.CheckboxSelectMultiple):
            choices = list(field.choices)
            if choices and choices[0] == ("", "---------"):
                field.choices = [("", EMPTY_CHOICE), *choices[1:]]


def plain_number_messages(form: forms.BaseForm) -> None:
    """Say a number's limits plainly ("Enter 40 or less.") instead of Django's "Ensure this value is..."."""
    for field in form.fields.values():
        if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
            field.error_messages = {**field.error_messages, "max_value": "Enter %(limit_value)s or less.",
                                    "min_value": "Enter %(limit_value)s or more."}


def check_dates_plausible(form: forms.BaseForm) -> None:
    """Refuse an implausible year next to every date field of the form, before any rule counts days from it."""
    for field in form.fields.values():
        if isinstance(field, forms.DateField) and plausible_date not in field.validators:
            field.validators.append(plausible_date)


def show_refusal(form: forms.BaseForm, refusal: ValidationError) -> None:
    """Show a service's refusal on the form: next to the field it names, else at the top."""
    if not hasattr(refusal, "error_dict"):
        form.add_error(None, refusal)
        return
    for field, messages in refusal.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class CrispyFormMixin:
    """Render with crispy forms and a single submit button."""

    submit_label = "Save"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        check_dates_plausible(self)
        plain_empty_choices(self)
        plain_number_messages(self)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class SchoolProfileForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = SchoolProfile
        fields = [
            "name", "la_code", "establishment_number", "virtual_school_name",
            "virtual_school_contact", "designated_teacher", "designated_safeguarding_lead",
            "designated_governor", "initial_pep_school_days",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("last_name", "username")
        self.fields["designated_teacher"].queryset = users.filter(groups__name=roles.DESIGNATED_TEACHER)
        self.fields["designated_safeguarding_lead"].queryset = users.filter(groups__name=roles.DSL)


class TermDatesForm(CrispyFormMixin, forms.Form):
    """The three terms of one academic year, validated together."""

    submit_label = "Save term dates"

    def __init__(self, *args: Any, academic_year: int, initial_terms: list[TermDates], **kwargs: Any) -> None:
        self.academic_year = academic_year
        initial = {}
        for term in initial_terms:
            initial[f"{term.name}_start"] = term.start
            initial[f"{term.name}_end"] = term.end
        super().__init__(*args, initial=initial, **kwargs)
        for name in TERM_NAMES:
            self.fields[f"{name}_start"] = forms.DateField(label=f"{name.capitalize()} term starts", widget=DATE_WIDGET)
            self.fields[f"{name}_end"] = forms.DateField(label=f"{name.capitalize()} term ends", widget=DATE_WIDGET)
        # Rendered inside one <form> with the closures below.
        self.helper.form_tag = False
        self.helper.inputs = []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = academic_year_bounds(self.academic_year)
        previous_end = None
        previous_name = ""
        for name in TERM_NAMES:
            start, end = data.get(f"{name}_start"), data.get(f"{name}_end")
            if not (start and end):
                previous_end = None
                continue
            if end <= start:
                self.add_error(f"{name}_end", f"The {name} term must end after it starts.")
            term = Term(academic_year=self.academic_year, name=name, start_date=start, end_date=end)
            try:
                term.clean()
            except forms.ValidationError as error:
                self.add_error(f"{name}_start", error.messages[0])
            if previous_end and start <= previous_end:
                self.add_error(
                    f"{name}_start",
                    f"The {name} term must start after the {previous_name} term ends "
                    f"({previous_end:%-d %b %Y}).",
                )
            previous_end, previous_name = end, name
        return data

    def terms(self) -> list[TermDates]:
        data = self.cleaned_data
        return [
            TermDates(self.academic_year, n, data[f"{n}_start"], data[f"{n}_end"]) for n in TERM_NAMES
        ]


class ClosureForm(forms.Form):
    """One closure inside the terms: a half-term, an INSET day or another closure."""

    start_date = forms.DateField(label="From", widget=forms.DateInput(
        attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"))
    end_date = forms.DateField(label="To (the same day for one day)", widget=forms.DateInput(
        attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"))
    # A blank first choice, so a row left empty is not taken for a half-term with no dates.
    kind = forms.ChoiceField(choices=[("", "Choose…"), *CLOSURE_KINDS], label="What",
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    description = forms.CharField(max_length=100, required=False, label="Description",
                                  widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        check_dates_plausible(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The closure must not end before it starts.")
        return data


ClosureFormSet = forms.formset_factory(ClosureForm, extra=3, can_delete=True)


def closures_initial(closures: list[ClosureDates]) -> list[dict[str, Any]]:
    return [{"start_date": c.start, "end_date": c.end, "kind": c.kind, "description": c.description}
            for c in closures]


def closures_inside_terms(
    academic_year: int, terms: list[TermDates], formset: Any,
) -> list[ClosureDates] | None:
    """The closures of a valid formset, each inside one of the terms; None (with errors shown) if not."""
    closures = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        start, end = data["start_date"], data["end_date"]
        if not any(t.start <= start and end <= t.end for t in terms):
            form.add_error("start_date", "A closure must fall inside one of the terms above.")
            continue
        closures.append(ClosureDates(academic_year, start, end, data["kind"], data["description"]))
    return None if any(f.errors for f in formset.forms) else sorted(closures)


class UploadForm(CrispyFormMixin, forms.Form):
    """A form of one file to import: `file` (set its label and help), refused over `max_bytes` with
    `too_large`, next to the field."""

    max_bytes = 5 * 1024 * 1024
    too_large = "The file is larger than 5 MB."
    file = forms.FileField()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(self.too_large)
        return upload


class CalendarImportForm(UploadForm):
    submit_label = "Read the file"
    max_bytes = MAX_BYTES
    too_large = "The file is larger than 1 MB; export one or two years only."
    file = forms.FileField(
        label="Term dates (.ics file)",
        help_text="The iCalendar file your local authority or trust publishes. Nothing is saved until you "
                  "have checked what was read and confirmed it.",
    )


class TwoFactorCodeForm(CrispyFormMixin, forms.Form):
    """One code from the authenticator app (or a backup code), checked by `check`."""

    submit_label = "Continue"
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args: Any, check: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check = check

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        ok, message = self.check(code)
        if not ok:
            raise forms.ValidationError(message)
        return code
