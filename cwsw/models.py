"""The school, its terms and the access log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connections, models, router
from django.utils import timezone

from . import audit
from .terms import (
    CLOSURE_KINDS,
    TERM_CHOICES,
    ClosureDates,
    SchoolCalendar,
    TermDates,
    academic_year_bounds,
)


class SchoolProfile(models.Model):
    """The one school this deployment serves (always the row with pk 1)."""

    name = models.CharField(max_length=200, default="Our school")
    la_code = models.CharField(
        "LA code", max_length=3, blank=True,
        validators=[RegexValidator(r"^\d{3}$", "The LA code is three digits, e.g. 999.")],
    )
    establishment_number = models.CharField(
        max_length=4, blank=True,
        validators=[RegexValidator(r"^\d{4}$", "The establishment number is four digits.")],
    )
    virtual_school_name = models.CharField("Virtual School", max_length=200, blank=True)
    virtual_school_contact = models.CharField(
        "Virtual School contact", max_length=200, blank=True,
        help_text="Name, e-mail or telephone of the Virtual School adviser.",
    )
    designated_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    designated_safeguarding_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    initial_pep_school_days = models.PositiveSmallIntegerField(
        "initial PEP due within (school days)", default=20,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="An initial PEP is due this many school days after a child becomes looked after "
                  "or joins the school, whichever is later.",
    )
    designated_governor = models.CharField(
        max_length=200, blank=True,
        help_text="The governor with responsibility for looked-after children.",
    )

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> SchoolProfile:
        """Return the school's profile (made by a migration); reading it never writes.

        Where the row is missing (a test database emptied between tests), the defaults stand in for it,
        unsaved: saving the profile makes the row.
        """
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class Term(models.Model):
    """Term dates the school has entered for one term of one academic year."""

    academic_year = models.PositiveSmallIntegerField(
        help_text="The calendar year of the September the academic year starts in.",
    )
    name = models.CharField(max_length=6, choices=TERM_CHOICES)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "name"], name="one_term_of_each_name"),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="term_ends_after_start",
            ),
        ]
        ordering = ["academic_year", "start_date"]

    def __str__(self) -> str:
        return self.dates.label

    @property
    def dates(self) -> TermDates:
        return TermDates(self.academic_year, self.name, self.start_date, self.end_date)

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": "The term must end after it starts."})
        if self.academic_year and self.start_date and self.end_date:
            _inside_academic_year(self.academic_year, self.start_date, self.end_date)

    @classmethod
    def terms_for(cls, academic_year: int) -> list[TermDates]:
        """Return the year's three terms: the school's dates where entered, else defaults."""
        return cls.calendar(academic_year, academic_year).terms_of(academic_year)

    @classmethod
    def calendar(cls, first_year: int | None = None, last_year: int | None = None) -> SchoolCalendar:
        """Return the school calendar, in two queries; it answers for any date.

        Every year the school entered is loaded (a few rows a year); the years asked for
        are only those the caller expects to use, and any other year still gets an answer.
        """
        return SchoolCalendar(
            [t.dates for t in cls.objects.all()],
            [c.dates for c in Closure.objects.all()],
        )


def _inside_academic_year(academic_year: int, start: dt.date, end: dt.date) -> None:
    first, last = academic_year_bounds(academic_year)
    # Academies often start in late August; allow a few weeks either side.
    if start < first - dt.timedelta(days=31) or end > last:
        raise ValidationError(
            "The dates must fall inside the academic year "
            f"({first:%-d %b %Y} to {last:%-d %b %Y})."
        )


class Closure(models.Model):
    """Days inside a term when the school is closed: a half-term, an INSET day or another closure.

    Its academic year is worked out from its dates when it is saved (the year whose terms hold its first
    day), never typed: the calendar places a closure by its dates in any case.
    """

    academic_year = models.PositiveSmallIntegerField(
        editable=False, help_text="The academic year its dates fall in, worked out from them.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    kind = models.CharField(max_length=9, choices=CLOSURE_KINDS)
    description = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["academic_year", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="closure_ends_on_or_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date:%-d %b %Y} to {self.end_date:%-d %b %Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.start_date:
            self.academic_year = Term.calendar().academic_year_of(self.start_date)
        super().save(*args, **kwargs)

    @property
    def dates(self) -> ClosureDates:
        return ClosureDates(self.academic_year, self.start_date, self.end_date, self.kind, self.description)

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The closure must not end before it starts."})


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The access log cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log cannot be deleted.")


class AccessLog(models.Model):
    """One row per view, change, export or download of a pupil's data. Append-only.

    A row says who (`user`, or an outside contributor's address), which pupil, what (`code`, a namespaced
    action such as "pep.completed", and `action`, its broad kind), on which page (`page`, a URL name),
    in which request (`request_id`, shared by every row one request wrote) from which address (`address`, the
    client's as cwsw/clientip.py works it out), about which record
    (`object_type`, `object_id`) and with what `data`. The words shown are drawn from the code and the
    page name when the row is read (cwsw/audit.py). `detail` holds the words of rows written before codes.
    """

    VIEW, LIST, CREATE, CHANGE = audit.VIEW, audit.LIST, audit.CREATE, audit.CHANGE
    EXPORT, IMPORT, DOWNLOAD, DELETE = audit.EXPORT, audit.IMPORT, audit.DOWNLOAD, audit.DELETE
    ACTIONS = audit.VERBS

    # A member of staff, or (no account) a contributor from outside the school, by their address.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    contributor = models.EmailField(blank=True)
    # No database constraint: a row must outlive the pupil it names, unchanged.
    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.DO_NOTHING, db_constraint=False,
        null=True, blank=True, related_name="+",
    )
    action = models.CharField(max_length=10, choices=ACTIONS)
    code = models.CharField(max_length=60, blank=True, db_index=True)
    page = models.CharField(max_length=80, blank=True)
    request_id = models.UUIDField(null=True, blank=True, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    detail = models.CharField(max_length=200, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["pupil", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(contributor=""), name="accesslog_has_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.who} {self.words.lower()} pupil {self.pupil_id} at {self.at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The access log cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The access log cannot be deleted.")

    @property
    def who(self) -> str:
        if self.user_id is None:
            return f"{self.contributor} (from outside the school)"
        return self.user.get_full_name() or self.user.get_username()

    @property
    def words(self) -> str:
        """What happened, in words: the code's, or for a row from before codes, its kind and detail."""
        if self.code:
            try:
                return audit.action(self.code).words
            except LookupError:
                return self.code
        return " ".join(part for part in (self.get_action_display(), self.detail) if part)

    @property
    def page_words(self) -> str:
        return audit.page_words(self.page)

    @classmethod
    def record(
        cls, *, user: Any, code: str, pupils: Iterable[Any], about: Any = None, data: dict | None = None,
        contributor: str = "",
    ) -> None:
        """Write one row per pupil, in one query: the one way the log is written.

        A pupil is given as the record or its id (an id outlives a deleted record); [None] is a
        download that names no pupil. Someone from outside the school, with no account, is
        `user=None` and their `contributor` address. `about` is the record the action concerns.
        """
        from .accesslog import pupils_logged

        act = audit.action(code)
        request = audit.current_request()
        # The id, read once: `request.user` is a lazy object; setting it on each row costs about what the insert does.
        user_id = None if user is None else user.pk
        shared = {
            "user_id": user_id, "contributor": contributor, "action": act.verb, "code": code,
            "page": request.page if request else "", "request_id": request.request_id if request else None,
            "address": request.address if request else None,
            "object_type": about._meta.label_lower if about is not None else "",
            "object_id": about.pk if about is not None else None, "data": data or {},
        }
        ids = [p if p is None or isinstance(p, int) else p.pk for p in pupils]
        cls._insert_rows(shared, ids)
        pupils_logged(ids)

    @classmethod
    def _insert_rows(cls, shared: dict[str, Any], pupil_ids: list[int | None]) -> None:
        """One INSERT a pupil, sent as one batch. The rows differ only in the pupil, so each shared value is
        put in the database's form once, by its own field, rather than once a row as `bulk_create` does (for
        25 rows: 0.5 ms against 2 ms, on every page that lists pupils)."""
        if not pupil_ids:
            return
        shared = {**shared, "at": timezone.now(), "detail": shared.get("detail", "")}
        fields = [f for f in cls._meta.concrete_fields if not f.primary_key]
        connection = connections[router.db_for_write(cls)]
        values = {f.attname: f.get_db_prep_save(shared[f.attname], connection)
                  for f in fields if f.attname != "pupil_id"}
        quote = connection.ops.quote_name
        # The table's and its columns' own names, quoted; every value is a parameter.
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(cls._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        rows = [[pupil_id if f.attname == "pupil_id" else values[f.attname] for f in fields] for pupil_id in pupil_ids]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


class TaskFailure(models.Model):
    """Background work that could not be queued, or failed after its retries: shown to the head.

    Names the task and the ids it was given, never a pupil's name.
    """

    QUEUE = "queue"
    RUN = "run"
    STAGES = [(QUEUE, "Could not be queued"), (RUN, "Failed after retries")]

    task = models.CharField(max_length=200)
    stage = models.CharField(max_length=5, choices=STAGES)
    ref = models.CharField("given", max_length=100, blank=True)
    error = models.CharField(max_length=300)
    retries = models.PositiveSmallIntegerField(default=0, help_text="Retries made before giving up.")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.task} ({self.get_stage_display().lower()}) at {self.at}"

    @property
    def task_label(self) -> str:
        return TASK_LABELS.get(self.task, self.task.rsplit(".", 1)[-1].replace("_", " "))


# Task name -> what it does, in plain words: filled by the apps that own the tasks
# (failures.task_register in their AppConfig.ready()), so this app names none of them.
TASK_LABELS: dict[str, str] = {}
