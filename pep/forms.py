from typing import Any

from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.utils import timezone
from django.utils.html import format_html

from cwsw.forms import DATE_WIDGET, CrispyFormMixin
from cwsw.terms import (
    financial_year_label,
    financial_year_of,
)
from pupils import cohort

from .models import (
    ATTENDEES,
    PROVISION_KINDS,
    RATINGS,
    REVIEWS,
    ExclusionConsultation,
    Invitation,
    PepMeeting,
    PepTarget,
    PpPlusAllocation,
    PpPlusRate,
    PpPlusSpend,
    Provision,
)


def financial_year_choices() -> list[tuple[int, str]]:
    this = financial_year_of(timezone.localdate())
    return [(y, financial_year_label(y)) for y in range(this + 1, this - 4, -1)]


class PepPlanForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Plan PEP"

    class Meta:
        model = PepMeeting
        fields = ["meeting_date", "is_initial"]
        widgets = {"meeting_date": DATE_WIDGET}
        labels = {"meeting_date": "Meeting date"}
        help_texts = {"meeting_date": "The PEP counts for the term this date falls in."}


class PepHoldForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Save the meeting record"
    attendees = forms.MultipleChoiceField(
        choices=ATTENDEES, widget=forms.CheckboxSelectMultiple, required=False, label="Who attended",
    )

    class Meta:
        model = PepMeeting
        fields = [
            "meeting_date", "attendees", "other_attendees", "child_views", "attendance_percent",
            "attainment", "sdq_total", "next_meeting_date",
        ]
        widgets = {
            "meeting_date": DATE_WIDGET, "next_meeting_date": DATE_WIDGET,
            "child_views": forms.Textarea(attrs={"rows": 3}),
            "attainment": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"meeting_date": "Date held"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Checked as held, so the model refuses a meeting date still to come.
        self.instance.status = "held" if self.instance.status == "planned" else self.instance.status
        self.fields["sdq_total"].help_text = "0 to 40: 0-13 normal, 14-16 borderline, 17-40 cause for concern."


class PepTargetForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Save target"

    class Meta:
        model = PepTarget
        fields = ["area", "description", "success_criteria", "owner", "pp_plus_needed"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "success_criteria": forms.Textarea(attrs={"rows": 2}),
        }


class TargetReviewForm(forms.Form):
    review = forms.ChoiceField(choices=REVIEWS)
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class PepRatingForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Save rating"
    vs_rating = forms.ChoiceField(choices=[("", "Not rated"), *RATINGS], required=False, label="Rating")

    class Meta:
        model = PepMeeting
        fields = ["vs_rating", "vs_feedback"]
        widgets = {"vs_feedback": forms.Textarea(attrs={"rows": 3})}


class ReopenForm(CrispyFormMixin, forms.Form):
    submit_label = "Reopen PEP"
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="Why the signed-off PEP needs changing. This is kept with the PEP.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give the reason for reopening the PEP.")
        return reason


class RateForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Add rate"
    financial_year = forms.TypedChoiceField(coerce=int, choices=financial_year_choices, label="Financial year")

    class Meta:
        model = PpPlusRate
        fields = ["financial_year", "amount"]


class AllocationForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Record allocation"
    financial_year = forms.TypedChoiceField(coerce=int, choices=financial_year_choices, label="Financial year")

    class Meta:
        model = PpPlusAllocation
        fields = ["financial_year", "amount", "source", "received_on", "note"]
        widgets = {"received_on": DATE_WIDGET}


REASON_HELP = "Why it was wrong. The history keeps this with the figures as they were."


class AllocationCorrectForm(AllocationForm):
    submit_label = "Save the correction"
    reason = forms.CharField(label="Reason for the correction", max_length=500, help_text=REASON_HELP,
                             widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(CrispyFormMixin, forms.Form):
    submit_label = "Withdraw"
    reason = forms.CharField(
        label="Reason for withdrawing", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E.g. 'Entered twice'. It stays on file, marked withdrawn, and counts in no total.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.inputs[0].field_classes = "btn btn-danger"


class SpendForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Record spend"

    class Meta:
        model = PpPlusSpend
        fields = ["spent_on", "amount", "category", "description", "target", "impact"]
        widgets = {"spent_on": DATE_WIDGET, "impact": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, allocation: PpPlusAllocation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.allocation = allocation
        targets = PepTarget.objects.filter(pep__pupil_id=allocation.pupil_id).select_related("pep")
        self.fields["target"].queryset = targets
        self.fields["target"].label_from_instance = lambda t: f"{t.pep.term_label}: {t}"


class ExclusionForm(CrispyFormMixin, forms.ModelForm):
    """A suspension or exclusion in the order a school deals with it: what happened, consulting the Virtual
    School, the decision, then telling people and planning the return. A part that cannot apply to this
    pupil is left out (the parents' consent unless previously looked after; telling a social worker unless
    the pupil has one; telling the Virtual School Head unless looked after), unless the record already has
    it; the days and first day are shown only for a suspension (without JavaScript, always)."""

    submit_label = "Save"
    STEPS = [
        ("1. What happened", ["incident_date", "incident", "proposed_action"], ""),
        ("2. Consult the Virtual School", ["consulted_on", "vs_adviser", "vs_advice", "alternatives_considered",
                                          "pla_parent_consent"],
         "Before any decision. Required for a looked-after child; for a previously looked-after child, with the "
         "parents' consent."),
        ("3. The decision", ["decision", "decision_date", "first_day", "days", "public_exam_missed"], ""),
        ("4. Tell people and plan the return", ["social_worker_notified_on", "vsh_notified_on",
                                                "reintegration_meeting_on"], ""),
    ]
    SUSPENSION_ONLY = ("first_day", "days")

    class Meta:
        model = ExclusionConsultation
        fields = [
            "incident_date", "incident", "proposed_action",
            "consulted_on", "vs_adviser", "vs_advice", "alternatives_considered",
            "pla_parent_consent", "decision", "decision_date", "first_day", "days", "public_exam_missed",
            "social_worker_notified_on", "vsh_notified_on", "reintegration_meeting_on",
        ]
        widgets = {
            name: DATE_WIDGET for name in (
                "incident_date", "consulted_on", "decision_date", "first_day",
                "social_worker_notified_on", "vsh_notified_on", "reintegration_meeting_on",
            )
        } | {
            "incident": forms.Textarea(attrs={"rows": 3}),
            "vs_advice": forms.Textarea(attrs={"rows": 2}),
            "alternatives_considered": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, pupil: Any, category: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.pupil = pupil
        self.fields["days"].widget.attrs["step"] = "0.5"
        applies = {
            "pla_parent_consent": category == cohort.PLA,
            "social_worker_notified_on": category in cohort.HAS_SOCIAL_WORKER,
            "vsh_notified_on": category == cohort.CLA,
        }
        for name, applicable in applies.items():
            if not applicable and not getattr(self.instance, name):
                del self.fields[name]
        steps = []
        for title, names, note in self.STEPS:
            parts = [HTML(format_html('<p class="form-text mt-0">{}</p>', note))] if note else []
            for name in names:
                if name not in self.fields:
                    continue
                if name in self.SUSPENSION_ONLY:
                    parts.append(Div(name, data_show_if="decision", data_show_values="suspension,"))
                else:
                    parts.append(name)
            steps.append(Fieldset(title, *parts, css_class="mb-3"))
        self.helper.layout = Layout(*steps)


class SpendCorrectForm(SpendForm):
    submit_label = "Save the correction"
    reason = forms.CharField(label="Reason for the correction", max_length=500, help_text=REASON_HELP,
                             widget=forms.Textarea(attrs={"rows": 2}))


class InvitationForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Send the invitation"

    class Meta:
        model = Invitation
        fields = ["role", "name", "email"]
        labels = {"role": "Who is it for?"}
        help_texts = {
            "name": "As the e-mail should greet them. For the child, the adult who will help them answer.",
            "email": "The link and its code go to this address. For the child, their helper's address.",
        }


class QualityRequestForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Send for quality assurance"

    class Meta:
        model = Invitation
        fields = ["name", "email"]
        labels = {"name": "The adviser's name", "email": "The adviser's e-mail address"}


class ExclusionListForm(forms.Form):
    """The suspensions list's filter and order (GET): what the page shows is what its export gives."""

    decision = forms.ChoiceField(label="Decision", required=False, choices=[
        ("", "Any decision"), ("suspension", "Suspensions"), ("permanent_exclusion", "Permanent exclusions"),
        ("no_exclusion", "No exclusion"), ("awaiting", "Awaiting a decision")])
    ordering = forms.ChoiceField(label="Sort by", required=False, choices=[
        ("", "Newest incident first"), ("oldest", "Oldest incident first"), ("name", "Pupil (A to Z)"),
        ("days", "Most days first")])

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {"decision": "", "ordering": ""}
        return {"decision": self.cleaned_data["decision"], "ordering": self.cleaned_data["ordering"]}


class ProvisionListForm(forms.Form):
    kind = forms.ChoiceField(label="Show", required=False, choices=[("", "Every arrangement"), *PROVISION_KINDS])
    ordering = forms.ChoiceField(label="Sort by", required=False, choices=[
        ("", "Review due soonest"), ("name", "Pupil (A to Z)"), ("newest", "Started most recently")])

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {"kind": "", "ordering": ""}
        return {"kind": self.cleaned_data["kind"], "ordering": self.cleaned_data["ordering"]}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept into the PEP"), ("set_aside", "Set aside")])


class ProvisionForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Save"

    class Meta:
        model = Provision
        fields = ["kind", "provider", "start_date", "end_date", "hours_a_week", "full_time_hours", "reason",
                  "review_due", "vs_agreed_on", "target"]
        widgets = {name: DATE_WIDGET for name in ("start_date", "end_date", "review_due", "vs_agreed_on")} | {
            "reason": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, pupil: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.pupil = pupil
        self.fields["hours_a_week"].widget.attrs["step"] = "0.5"
        self.fields["full_time_hours"].widget.attrs["step"] = "0.5"
        targets = PepTarget.objects.filter(pep__pupil=pupil).select_related("pep")
        self.fields["target"].queryset = targets
        self.fields["target"].label_from_instance = lambda t: f"{t.pep.term_label}: {t}"
