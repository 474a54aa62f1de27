"""The rules of contributions from outside the school: the links, the codes, and what each part asks.

A contributor has no account. The DT's invitation e-mails them a link holding a random token;
only its SHA-256 is stored, so the database cannot give the link back. The link shows nothing
until they give a six-digit code sent to the same address (stored as an HMAC keyed by the
project's secret). Wrong codes make them wait longer each time, then lock the invitation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django import forms
from django.utils.crypto import constant_time_compare, salted_hmac

from cwsw.throttle import Throttle

from .models import ADVISER, AMBER, CARER, CHILD, GREEN, RATINGS, RED, SOCIAL_WORKER

INVITATION_DAYS = 14
CODE_MINUTES = 30
CODE_DIGITS = 6
MAX_CODES_SENT = 5
MAX_FAILED_CODES = 5
# No wait after the first wrong code (a slip); then 15 s, 30 s, 60 s; the fifth locks the invitation.
FIRST_WAIT_SECONDS = 15
# Links that match no invitation, per address, before every link from that address is refused a while.
MAX_UNKNOWN_LINKS = 20
UNKNOWN_LINKS_WINDOW = dt.timedelta(minutes=15)
UNKNOWN_LINKS = Throttle("contribute-unknown", MAX_UNKNOWN_LINKS, UNKNOWN_LINKS_WINDOW)
ANSWER_MAX_LENGTH = 4000


def new_token() -> tuple[str, str]:
    """Return a new link token and the hash that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(invitation_pk: int, code: str) -> str:
    return salted_hmac("pep.contributions.code", f"{invitation_pk}:{code}").hexdigest()


def code_matches(invitation_pk: int, code: str, code_hash: str) -> bool:
    return bool(code_hash) and constant_time_compare(hash_code(invitation_pk, code), code_hash)


def wait_after(failed: int) -> dt.timedelta:
    """How long to wait before the next try, after this many wrong codes."""
    if failed < 2:
        return dt.timedelta(0)
    return dt.timedelta(seconds=FIRST_WAIT_SECONDS * 2 ** (failed - 2))


# --- What each part asks -------------------------------------------------------------------

TEXT, SCALE = "text", "scale"
# The picture scale for younger children: a face and the words under it.
FACES = [("happy", "Happy"), ("middle", "In the middle"), ("sad", "Sad")]
# Reception to Year 6 get the simple questions with faces; Year 7 and older, open questions.
YOUNGER_UP_TO_YEAR = 6


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str = TEXT
    help: str = ""


PARTS: dict[str, list[Question]] = {
    SOCIAL_WORKER: [
        Question("care_plan", "Care plan and placement: news the school should know",
                 help="For example a change of placement or of contact arrangements, or what the care plan now says."),
        Question("health", "Health: anything that affects the child's learning or wellbeing"),
        Question("asks", "What you ask of the school before the next PEP"),
    ],
    CARER: [
        Question("home_learning", "Learning at home",
                 help="Reading, homework, clubs and interests: what goes well and what is hard."),
        Question("views", "Your views on how school is going, and what would help"),
    ],
    ADVISER: [
        Question("advice", "Your advice for this PEP",
                 help="Targets, the use of Pupil Premium Plus, and support the Virtual School can offer."),
    ],
}
CHILD_YOUNGER = [
    Question("school", "How do you feel about school?", SCALE),
    Question("friends", "How do you feel about your friends at school?", SCALE),
    Question("learning", "How do you feel about your learning?", SCALE),
    Question("best", "What is the best thing about school?"),
    Question("help", "What would help you at school?"),
]
CHILD_OLDER = [
    Question("going_well", "What is going well at school?"),
    Question("hard", "What is hard at the moment?"),
    Question("help", "What would help you?"),
    Question("future", "What would you like to do when you leave school?"),
    Question("anything_else", "Is there anything else you want the meeting to know?"),
]


def questions_for(role: str, year_group: int) -> list[Question]:
    if role == CHILD:
        return CHILD_YOUNGER if year_group <= YOUNGER_UP_TO_YEAR else CHILD_OLDER
    return PARTS[role]


class PartForm(forms.Form):
    """One contributor's part: built from their questions; at least one must be answered."""

    def __init__(self, *args: object, questions: list[Question], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            if question.kind == SCALE:
                self.fields[question.key] = forms.ChoiceField(
                    label=question.text, choices=FACES, required=False, widget=forms.RadioSelect,
                )
            else:
                self.fields[question.key] = forms.CharField(
                    label=question.text, help_text=question.help, required=False, max_length=ANSWER_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and not any(str(value).strip() for value in cleaned.values()):
            raise forms.ValidationError("Answer at least one question before sending.")
        return cleaned

    def draft(self) -> dict[str, str]:
        """What has been typed so far, unchecked but for its keys, length and face choices: kept as a draft."""
        faces = {value for value, _ in FACES}
        draft = {}
        for question in self.questions:
            value = str(self.data.get(self.add_prefix(question.key), ""))[:ANSWER_MAX_LENGTH]
            if question.kind == SCALE and value not in faces:
                value = ""
            if value.strip():
                draft[question.key] = value
        return draft

    def answers(self) -> list[list[str]]:
        """The questions and answers, in order, as words: what the PEP keeps."""
        faces = dict(FACES)
        rows = []
        for question in self.questions:
            value = self.cleaned_data.get(question.key) or ""
            answer = faces.get(value, "") if question.kind == SCALE else value.strip()
            rows.append([question.text, answer])
        return rows


# --- Quality assurance ----------------------------------------------------------------------

QA_SECTIONS = [
    ("voice", "The child's voice is heard"),
    ("previous_targets", "The previous targets are reviewed"),
    ("smart", "The targets are SMART"),
    ("pp_plus", "Pupil Premium Plus is tied to the targets"),
    ("attendees", "Who attended, and the next meeting date, are recorded"),
]


def overall_rating(ratings: list[str]) -> str:
    """The PEP's rating is its weakest section's."""
    for rating in (RED, AMBER):
        if rating in ratings:
            return rating
    return GREEN


class QualityForm(forms.Form):
    feedback = forms.CharField(
        label="Your feedback to the designated teacher", max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What is good, and what must change. A red section sends the PEP back to the school.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for key, label in QA_SECTIONS:
            self.fields[key] = forms.ChoiceField(label=label, choices=RATINGS, widget=forms.RadioSelect)
        # The sections first, then the feedback.
        self.order_fields([key for key, _ in QA_SECTIONS] + ["feedback"])

    def sections(self) -> list[list[str]]:
        return [[label, self.cleaned_data[key]] for key, label in QA_SECTIONS]
