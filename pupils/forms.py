import datetime as dt
from typing import Any

from crispy_forms.layout import Layout
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from cwsw import roles
from cwsw.forms import DATE_WIDGET, CrispyFormMixin, UploadForm
from cwsw.terms import academic_year_label, academic_year_of

from . import cohort, ctf, transitions
from .models import (
    AttainmentRecord,
    AttendanceContact,
    AttendanceRecord,
    CareEpisode,
    Pupil,
    SafeguardingNote,
    SdqScore,
    SubjectGrade,
    TransitionItem,
)

# The leaving date is recorded with its reason and destination on its own page (LeavingForm).
PUPIL_FIELDS = [
    "upn", "first_name", "last_name", "date_of_birth", "admission_date",
    "sen_status", "ehcp_review_due", "fsm_eligible", "key_adult", "key_strategies",
]


def key_adult_choices() -> Any:
    """Staff who can be a key adult: anyone active with a role in school (a governor's is not; a staff governor's
    staff role is)."""
    in_school = [role for role in roles.ALL_ROLES if role != roles.GOVERNOR]
    return (get_user_model().objects.filter(is_active=True, groups__name__in=in_school).distinct()
            .order_by("first_name", "last_name", "pk"))


class PupilForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = Pupil
        fields = PUPIL_FIELDS
        widgets = {
            "date_of_birth": DATE_WIDGET,
            "admission_date": DATE_WIDGET,
            "ehcp_review_due": DATE_WIDGET,
            "key_strategies": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "key_adult" in self.fields:
            self.fields["key_adult"].queryset = key_adult_choices()
            self.fields["key_adult"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean_upn(self) -> str:
        return self.cleaned_data["upn"].strip().upper()


class LeavingForm(CrispyFormMixin, forms.ModelForm):
    """When and why a pupil leaves, and where to; empty the date if they are staying after all."""

    submit_label = "Save"

    class Meta:
        model = Pupil
        fields = ["leaving_date", "leaving_reason", "destination_school"]
        widgets = {"leaving_date": DATE_WIDGET}
        labels = {"leaving_reason": "Reason"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leaving_date"].help_text = (
            "The first day the pupil is no longer on roll. Leave it empty if the pupil is staying after all.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        left, reason = data.get("leaving_date"), data.get("leaving_reason")
        if left and not reason:
            self.add_error("leaving_reason", "Choose why the pupil is leaving.")
        if reason and not left and "leaving_date" not in self.errors:
            self.add_error("leaving_date", "Enter the leaving date, or clear the reason if the pupil is staying.")
        if left and left > timezone.localdate() + dt.timedelta(days=366):
            self.add_error("leaving_date", "The leaving date is more than a year ahead.")
        if reason in transitions.NEEDS_DESTINATION and not data.get("destination_school", "").strip():
            self.add_error("destination_school", "Name the school or college the pupil is going to: its DSL gets "
                                                 "the child-protection file.")
        if reason == transitions.EHE:
            data["destination_school"] = ""
            self.instance.destination_school = ""
        return data


class TransitionDoneForm(CrispyFormMixin, forms.Form):
    """Mark one joining or leaving step done; the step's own rules are the service's (transition_done)."""

    submit_label = "Mark done"
    done_on = forms.DateField(label="Done on", widget=DATE_WIDGET)
    confirmed_by = forms.CharField(
        label="Confirmed by", max_length=100,
        help_text="The name and role of the person at the new school who confirmed they received it.",
        error_messages={"required": "Name the person at the new school who confirmed they received it."},
    )
    note = forms.CharField(max_length=300, required=False,
                           help_text="E.g. how it was sent (secure transfer) or what was agreed.")

    def __init__(self, *args: Any, item: TransitionItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = timezone.localdate()
        if not item.definition.needs_confirmation:
            del self.fields["confirmed_by"]


class NewPupilForm(PupilForm):
    """The pupil part of the DSL's flag form, for a pupil not yet on the register."""

    class Meta(PupilForm.Meta):
        fields = ["upn", "first_name", "last_name", "date_of_birth", "admission_date", "sen_status", "fsm_eligible"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.form_tag = False
        self.helper.inputs = []


class CareEpisodeForm(CrispyFormMixin, forms.ModelForm):
    class Meta:
        model = CareEpisode
        fields = [
            "kind", "start_date", "end_date", "legal_status", "pla_route", "kinship_arrangement",
            "responsible_authority", "social_worker_name", "social_worker_contact",
        ]
        widgets = {"start_date": DATE_WIDGET, "end_date": DATE_WIDGET}

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set before validation so clean() can check dates against the pupil.
        self.instance.pupil = pupil


class EndEpisodeForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "End episode"

    class Meta:
        model = CareEpisode
        fields = ["end_date"]
        widgets = {"end_date": DATE_WIDGET}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = True


class FlagForm(CrispyFormMixin, forms.ModelForm):
    """The DSL's flag: a CIN or CP plan for an existing pupil or a new one."""

    submit_label = "Flag pupil"
    # Chosen by searching (name or UPN): the page never lists every pupil, only those searched for.
    pupil = forms.ModelChoiceField(
        queryset=Pupil.objects.none(), required=False, label="Existing pupil", widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That pupil is not on the register you can see; search again."},
    )
    kind = forms.ChoiceField(
        choices=[(cohort.CIN, "Child in Need plan (s17)"), (cohort.CP, "Child Protection plan")],
        widget=forms.RadioSelect, label="Plan",
    )

    class Meta:
        model = CareEpisode
        fields = ["kind", "start_date", "responsible_authority", "social_worker_name", "social_worker_contact"]
        widgets = {"start_date": DATE_WIDGET}

    def __init__(self, *args: Any, user: Any, new_pupil: Pupil | None = None,
                 new_pupil_entered: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_pupil = new_pupil
        self.new_pupil_entered = new_pupil_entered
        self.fields["pupil"].queryset = Pupil.objects.visible_to(user)
        self.fields["responsible_authority"].label = "Local authority"
        self.fields["responsible_authority"].help_text = "The authority whose children's social care holds the plan."
        self.order_fields(["pupil", "kind"])
        self.helper.form_tag = False
        self.helper.inputs = []
        # The pupil is chosen above the plan (the search), not rendered with it.
        self.helper.layout = Layout(*[name for name in self.fields if name != "pupil"])

    def chosen_pupil(self) -> Pupil | None:
        """The pupil picked so far (posted, or passed in the link), if the user may see them."""
        value = self["pupil"].value()
        try:
            return self.fields["pupil"].queryset.filter(pk=int(value)).first() if value else None
        except (TypeError, ValueError, OverflowError):
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        pupil = data.get("pupil") or self.new_pupil
        if pupil is None:
            if not self.new_pupil_entered:
                self.add_error("pupil", "Choose an existing pupil, or enter the new pupil's details below.")
        else:
            # Set now so the model's own checks (dates, overlaps) run against this pupil.
            self.instance.pupil = pupil
        return data


class SafeguardingNoteForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Add note"

    class Meta:
        model = SafeguardingNote
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        labels = {"text": "New safeguarding note"}


class CtfImportForm(UploadForm):
    submit_label = "Read the file"
    max_bytes = ctf.MAX_BYTES
    too_large = (f"The file is larger than {ctf.MAX_BYTES // (1024 * 1024)} MB, more than a CTF of a whole school "
                 "needs; export it again from the MIS.")
    file = forms.FileField(
        label="Common transfer file (.xml)",
        help_text="A CTF exported from the MIS, for the whole school or for one pupil (CTF 20 or later). "
                  "It is read and shown to you first; nothing is saved until you confirm.",
    )


class MarksImportForm(UploadForm):
    submit_label = "Read the file"
    too_large = "The file is larger than 5 MB; import a month at a time, or each day's marks."
    file = forms.FileField(
        label="Attendance marks (CSV)",
        help_text="One row per pupil, day and session, with a header row: UPN, Date (DD/MM/YYYY), Session (AM or "
                  "PM), Code (the DfE attendance code). Read and shown to you first; saved when you confirm.",
    )


class ImportForm(UploadForm):
    submit_label = "Check and import"
    too_large = "The file is larger than 5 MB; export fewer columns."
    file = forms.FileField(
        label="CSV file",
        help_text="An export from the MIS with a header row. Columns: UPN, first name, "
                  "last name, date of birth, admission date; optionally leaving date, "
                  "SEN status (N, K, E) and FSM (Y/N).",
    )


class TermRecordForm(CrispyFormMixin, forms.ModelForm):
    """Enter one term's figures; a term already entered is updated, not duplicated."""

    academic_year = forms.TypedChoiceField(coerce=int, choices=[], label="Academic year")

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this = academic_year_of(timezone.localdate())
        self.fields["academic_year"].choices = [(y, academic_year_label(y)) for y in range(this, this - 4, -1)]
        self.instance.pupil = pupil

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        existing = self._meta.model.objects.filter(
            pupil=self.instance.pupil, academic_year=data.get("academic_year"), term=data.get("term"),
        ).first()
        if existing is not None:
            self.instance.pk = existing.pk
            self.instance._state.adding = False
        return data


class AttendanceForm(TermRecordForm):
    submit_label = "Save attendance"

    class Meta:
        model = AttendanceRecord
        fields = ["academic_year", "term", "possible_sessions", "attended_sessions"]


class AttainmentForm(TermRecordForm):
    submit_label = "Save attainment"

    class Meta:
        model = AttainmentRecord
        fields = ["academic_year", "term", "reading", "writing", "maths", "reading_score", "maths_score", "gps_score"]
        labels = {"reading_score": "KS2 reading score", "maths_score": "KS2 maths score",
                  "gps_score": "KS2 grammar, punctuation and spelling score"}
        help_texts = {"reading_score": "Scaled score, 80 to 120 (100 is the expected standard). Summer of Year 6.",
                      "maths_score": "80 to 120.", "gps_score": "80 to 120."}

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any) -> None:
        super().__init__(*args, pupil=pupil, **kwargs)
        # KS2 test scores go back further than the years of judgements: a secondary school enters its
        # pupils' Year 6 results.
        this = academic_year_of(timezone.localdate())
        self.fields["academic_year"].choices = [(y, academic_year_label(y)) for y in range(this, this - 8, -1)]


class SubjectGradeForm(TermRecordForm):
    submit_label = "Save grades"

    class Meta:
        model = SubjectGrade
        fields = ["academic_year", "term", "subject", "current", "predicted", "target"]
        labels = {"current": "Working at", "predicted": "Predicted grade", "target": "Target grade"}

    def clean(self) -> dict[str, Any]:
        data = forms.ModelForm.clean(self)
        existing = SubjectGrade.objects.filter(
            pupil=self.instance.pupil, academic_year=data.get("academic_year"), term=data.get("term"),
            subject=data.get("subject"),
        ).first()
        if existing is not None:  # a subject's term entered again is corrected, not duplicated
            self.instance.pk, self.instance._state.adding = existing.pk, False
        return data


class AttendanceContactForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Add to the contact log"

    class Meta:
        model = AttendanceContact
        fields = ["contacted_on", "contacted", "name", "agreed"]
        widgets = {"contacted_on": DATE_WIDGET, "agreed": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.pupil = pupil
        self.fields["contacted_on"].initial = timezone.localdate()


class SdqForm(CrispyFormMixin, forms.ModelForm):
    submit_label = "Save the SDQ score"

    class Meta:
        model = SdqScore
        fields = ["completed_on", "total"]
        widgets = {"completed_on": DATE_WIDGET}
        labels = {"total": "SDQ total"}

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.pupil = pupil


class ErasureForm(CrispyFormMixin, forms.Form):
    submit_label = "Delete this pupil's records for good"
    reviewed = forms.BooleanField(
        label="I have reviewed this record and nothing in it needs to be kept longer "
              "(for example for an inquiry, a claim or a request from the local authority).",
        error_messages={"required": "Tick to confirm you have reviewed the record."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.inputs[0].field_classes = "btn btn-danger"
