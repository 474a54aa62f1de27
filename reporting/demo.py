"""Synthetic inputs for the demo school's Report to Governors."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from cwsw.models import Term
from cwsw.terms import academic_year_of

from .models import ReportNarrative, SchoolFigures, TrainingRecord


def seed_demo_reporting(*, pupils: int, seed: int = 2026, as_of: dt.date | None = None) -> None:
    rng = random.Random(seed)
    today = as_of or timezone.localdate()
    for year in (academic_year_of(today) - 1, academic_year_of(today)):
        for term in Term.terms_for(year):
            if term.start > today:
                continue
            SchoolFigures.objects.get_or_create(academic_year=year, term=term.name, defaults={
                "pupils_on_roll": pupils, "attendance_percent": Decimal(rng.randint(930, 955)) / 10,
                "persistent_absence_percent": Decimal(rng.randint(140, 200)) / 10,
                "suspensions": pupils // 40, "suspension_days": Decimal(pupils // 25),
                "permanent_exclusions": rng.randint(0, 2),
                "reading_expected_percent": Decimal(rng.randint(680, 760)) / 10,
                "writing_expected_percent": Decimal(rng.randint(640, 720)) / 10,
                "maths_expected_percent": Decimal(rng.randint(660, 740)) / 10,
            })
        ReportNarrative.objects.get_or_create(academic_year=year, defaults={
            "strengths": "Demo text: PEPs were held on time in most terms and the Virtual School rated most green.",
            "priorities": "Demo text: raise the attendance of looked-after pupils in key stage 4.",
        })
    for attended_by, title, hours in (("dt", "Demo course: the role of the designated teacher", 6),
                                      ("dsl", "Demo course: DSL refresher", 6),
                                      ("whole_staff", "Demo INSET: attachment and trauma", 2)):
        TrainingRecord.objects.get_or_create(
            attended_by=attended_by, title=title,
            defaults={"date": today - dt.timedelta(days=rng.randint(10, 200)), "hours": Decimal(hours)},
        )


def seed_demo_reports(*, as_of: dt.date | None = None) -> list[int]:
    """Build the Report to Governors for the last complete academic year and the one before, as the designated
    teacher asked for them, so a governor opening the demo finds them ready; returns the years built.
    Built here, not queued: no worker is running yet when `make run` seeds."""
    from django.contrib.auth import get_user_model

    from .build import report_build
    from .models import GovernorReport

    today = as_of or timezone.localdate()
    asked_by = get_user_model().objects.filter(username="dt").first()
    years = [academic_year_of(today) - 1, academic_year_of(today) - 2]
    for year in years:
        report, _ = GovernorReport.objects.get_or_create(academic_year=year, defaults={"requested_by": asked_by})
        report_build(report_id=report.pk, today=today)
    return years
