"""The figures of the annual Report to Governors, gathered section by section.

Nothing here reads a name, UPN or date of birth into the report: the figures are counts
and percentages, and small counts are hidden as suppression.py says.

Long because every section adds its counts to one table of linked counts (`Linked`) over one year's
cohort, which suppression.py must see whole; the sections follow one another in the report's order.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When

from cwsw.models import SchoolProfile, Term
from cwsw.terms import TERM_NAMES, academic_year_bounds, academic_year_label, financial_year_label
from pep import compliance
from pep.models import (
    PERMANENT_EXCLUSION,
    PROVISION_KINDS,
    RATINGS,
    SPEND_CATEGORIES,
    ZERO,
    ExclusionConsultation,
    PepMeeting,
    PpPlusAllocation,
    PpPlusSpend,
    Provision,
)
from pep.selectors import term_counts
from pupils import cohort, transitions, years
from pupils.models import (
    ENGLISH,
    EXPECTED_SCALED_SCORE,
    STANDARD_PASS,
    AttainmentRecord,
    AttendanceRecord,
    Pupil,
    SubjectGrade,
    TransitionItem,
    YearCohort,
    is_persistently_absent,
    is_severely_absent,
)

from . import charts
from .models import ReportNarrative, SchoolFigures, TrainingRecord
from .suppression import (
    SUPPRESSED,
    Linked,
    is_small,
    more_than_threshold,
    suppress_percentage,
    threshold,
)

Progress = Callable[[int, str], None]
EXPECTED_OR_ABOVE = ("exp", "gds")


def _key_stage_case(as_of: dt.date) -> Case:
    whens = []
    for name, (low, high) in years.KEY_STAGES.items():
        first, last = years.birth_range(low, high, as_of)
        whens.append(When(date_of_birth__range=(first, last), then=Value(name)))
    return Case(*whens, default=Value("Other"), output_field=CharField())


@dataclass(frozen=True)
class Ref:
    """A count in the report, shown (or hidden as "c") once the whole report is suppressed as one."""

    name: str


def _resolve(value: Any, linked: Linked) -> Any:
    """Put each count's shown value (or "c") where the sections left a Ref."""
    if isinstance(value, Ref):
        return linked.shown(value.name)
    if isinstance(value, dict):
        return {k: _resolve(v, linked) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_resolve(v, linked) for v in value)
    return value


def cohort_section(year_cohort: YearCohort, as_of: dt.date, linked: Linked) -> dict[str, Any]:
    """Counts by category, key stage, SEN and FSM of the year's cohort, linked: the key stages add up
    to the categories, and the SEN and FSM figures are parts of them."""
    rows = (
        Pupil.objects.filter(pk__in=year_cohort.ids).annotate(key_stage=_key_stage_case(as_of))
        .values_list("pk", "key_stage", "sen_status", "fsm_eligible")
    )
    by_category: Counter = Counter()
    by_stage: dict[str, Counter] = defaultdict(Counter)
    sen: dict[str, Counter] = defaultdict(Counter)
    fsm: Counter = Counter()
    for pk, key_stage, sen_status, fsm_eligible in rows:
        category = year_cohort[pk]
        by_category[category] += 1
        by_stage[key_stage][category] += 1
        sen[category][sen_status] += 1
        if fsm_eligible:
            fsm[category] += 1
    for c in cohort.CATEGORIES:
        linked.count(f"cohort:{c}", by_category[c])
    linked.total("cohort:total", [f"cohort:{c}" for c in cohort.CATEGORIES])
    present = [stage for stage in [*years.KEY_STAGES, "Other"] if by_stage.get(stage)]
    for stage in present:
        for c in cohort.CATEGORIES:
            linked.count(f"stage:{stage}:{c}", by_stage[stage][c])
        linked.total(f"stage:{stage}:total", [f"stage:{stage}:{c}" for c in cohort.CATEGORIES])
    if present:
        # The key-stage table's columns add up to the category counts above it: one linked table.
        for c in cohort.CATEGORIES:
            linked.total(f"cohort:{c}", [f"stage:{stage}:{c}" for stage in present])
        linked.total("cohort:total", [f"stage:{stage}:total" for stage in present])
    for c in cohort.CATEGORIES:
        linked.count(f"sen:{c}", sen[c]["K"] + sen[c]["E"])
        linked.count(f"ehcp:{c}", sen[c]["E"])
        linked.count(f"fsm:{c}", fsm[c])
        linked.subset(f"ehcp:{c}", f"sen:{c}")
        linked.subset(f"sen:{c}", f"cohort:{c}")
        linked.subset(f"fsm:{c}", f"cohort:{c}")
    return {
        "cells": [(cohort.CATEGORY_LABELS[c], Ref(f"cohort:{c}")) for c in cohort.CATEGORIES],
        "total": Ref("cohort:total"),
        "headings": [cohort.CATEGORY_SHORT[c] for c in cohort.CATEGORIES],
        "stages": [(stage, [Ref(f"stage:{stage}:{c}") for c in cohort.CATEGORIES], Ref(f"stage:{stage}:total"))
                   for stage in present],
        "overlap": [(cohort.CATEGORY_LABELS[c], Ref(f"sen:{c}"), Ref(f"ehcp:{c}"), Ref(f"fsm:{c}"))
                    for c in cohort.CATEGORIES],
    }


def cohort_chart(cells: list[tuple[str, int | str]], title: str = "Pupils in the cohort") -> str:
    """The cohort as bars; a hidden count is drawn as no bar, so its height gives nothing away."""
    return charts.bar_chart([(label, value if isinstance(value, int) else 0, value) for label, value in cells],
                            title=title)


def _looked_after_peps(year_cohort: YearCohort, academic_year: int,
                       today: dt.date) -> tuple[list[int], list, list[dict[str, int]]]:
    """The year's looked-after children (those the PEP duty covers) and each term's on time, late and missing
    PEPs over them, counted on the stored PEP slots."""
    looked_after = [pk for pk, category in year_cohort.items() if category == cohort.CLA]
    terms = Term.calendar().terms_of(academic_year)
    counts = term_counts(Pupil.objects.filter(pk__in=looked_after), academic_year, terms, today)
    return looked_after, terms, counts


def pep_section(year_cohort: YearCohort, academic_year: int, today: dt.date, linked: Linked) -> dict[str, Any]:
    looked_after, year_terms, year_counts = _looked_after_peps(year_cohort, academic_year, today)
    terms = []
    for term, counts in zip(year_terms, year_counts, strict=True):
        names = [linked.count(f"pep:{term.name}:{s}", counts[s])
                 for s in (compliance.ON_TIME, compliance.LATE, compliance.MISSING)]
        total = linked.total(f"pep:{term.name}:total", names)
        linked.subset(total, f"cohort:{cohort.CLA}")
        terms.append((term.name.capitalize(), *[Ref(n) for n in names], Ref(total)))
    ratings = dict(
        PepMeeting.objects.filter(academic_year=academic_year, pupil__in=looked_after).exclude(vs_rating="")
        .values_list("vs_rating").annotate(n=Count("pk")).order_by()
    )
    for r, _ in RATINGS:
        linked.count(f"rating:{r}", ratings.get(r, 0))
    # The children the PEP duty covers are the cohort's looked-after children: the same count.
    return {"terms": terms, "ratings": [(label, Ref(f"rating:{r}")) for r, label in RATINGS],
            "children": Ref(f"cohort:{cohort.CLA}")}


def pp_section(financial_year: int, linked: Linked) -> dict[str, Any]:
    allocations = PpPlusAllocation.objects.live().filter(financial_year=financial_year)
    spends = PpPlusSpend.objects.live().filter(allocation__financial_year=financial_year)
    totals = allocations.aggregate(total=Sum("amount"), pupils=Count("pupil", distinct=True))
    spent = spends.aggregate(total=Sum("amount"), n=Count("pk"), with_impact=Count("pk", filter=~Q(impact="")))
    by_category = dict(spends.values_list("category").annotate(total=Sum("amount")).order_by())
    labels = dict(SPEND_CATEGORIES)
    allocated = totals["total"] or ZERO
    spent_total = spent["total"] or ZERO
    linked.count("pp:pupils", totals["pupils"])
    linked.count("pp:spends", spent["n"])
    linked.count("pp:with_impact", spent["with_impact"])
    linked.subset("pp:with_impact", "pp:spends")
    return {
        "label": financial_year_label(financial_year),
        "pupils": Ref("pp:pupils"),
        # Money is not suppressed where at least one more than the threshold received it.
        "allocated": None if is_small(totals["pupils"]) else allocated,
        "spent": None if is_small(totals["pupils"]) else spent_total,
        "by_category": [(labels[c], by_category[c]) for c, _ in SPEND_CATEGORIES if c in by_category]
        if more_than_threshold(totals["pupils"]) else [],
        "impact": (Ref("pp:with_impact"), Ref("pp:spends")),
        "chart": charts.bar_chart(
            [(labels[c], by_category[c], f"£{by_category[c]:,.0f}") for c, _ in SPEND_CATEGORIES
             if c in by_category], title="PP+ spent by category (£)",
        ) if more_than_threshold(totals["pupils"]) else "",
    }


def _attendance_per_pupil(year_cohort: YearCohort, academic_year: int) -> list[dict[str, Any]]:
    """Sessions possible and attended in the year for each cohort pupil who has figures."""
    per_pupil = (
        AttendanceRecord.objects.filter(academic_year=academic_year, pupil__in=year_cohort.ids)
        .values("pupil").annotate(possible=Sum("possible_sessions"), attended=Sum("attended_sessions")).order_by()
    )
    return [r for r in per_pupil if r["possible"]]


def _cohort_attendance(pupils: list[dict[str, Any]]) -> Decimal | str | None:
    """The cohort's attendance (%): "c" unless more pupils than the threshold have figures; None if none do."""
    if more_than_threshold(len(pupils)):
        return suppress_percentage(sum(r["attended"] for r in pupils), sum(r["possible"] for r in pupils))
    return SUPPRESSED if pupils else None


def attendance_section(year_cohort: YearCohort, academic_year: int, school: list[SchoolFigures],
                       linked: Linked) -> dict[str, Any]:
    pupils = _attendance_per_pupil(year_cohort, academic_year)
    persistent = sum(1 for r in pupils if is_persistently_absent(attended=r["attended"], possible=r["possible"]))
    severe = sum(1 for r in pupils if is_severely_absent(attended=r["attended"], possible=r["possible"]))
    cohort_attendance = _cohort_attendance(pupils)
    cohort_pa = suppress_percentage(persistent, len(pupils))
    cohort_severe = suppress_percentage(severe, len(pupils))
    school_attendance = _mean([f.attendance_percent for f in school])
    school_pa = _mean([f.persistent_absence_percent for f in school])
    chart = charts.bar_chart(
        [("Cohort", cohort_attendance if isinstance(cohort_attendance, Decimal) else 0, cohort_attendance or "—"),
         ("Whole school", school_attendance or 0, school_attendance or "—")],
        title="Attendance (%)", max_value=100,
    )
    linked.count("attendance:pupils", len(pupils))
    linked.subset("attendance:pupils", "cohort:total")
    return {"pupils": Ref("attendance:pupils"), "attendance": cohort_attendance, "persistent": cohort_pa,
            "severe": cohort_severe,
            "school_attendance": school_attendance, "school_persistent": school_pa, "chart": chart}


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values) / len(values)).quantize(Decimal("0.1")) if values else None


def _cohort_exclusions(year_cohort: YearCohort, academic_year: int) -> dict[str, Any]:
    """The cohort's suspensions begun in the year, the pupils suspended, the permanent exclusions decided in it,
    and the school days lost to suspension in it. Each day counts in the school's academic year it is served
    in: a suspension decided in July and served in September counts, days and all, in the new year; one
    served across the summer counts where it began, its days split between the two years."""
    first, last = academic_year_bounds(academic_year)
    calendar = Term.calendar()
    figures = {"permanent": ExclusionConsultation.objects.filter(
        decision=PERMANENT_EXCLUSION, decision_date__range=(first, last), pupil__in=year_cohort.ids).count()}
    # A suspension starts within a year of its decision: those decided from a year before can be served now.
    begun, pupils, days = 0, set(), Decimal("0")
    for suspension in ExclusionConsultation.objects.suspensions().filter(
            decision_date__range=(first - dt.timedelta(days=366), last), pupil__in=year_cohort.ids):
        served = suspension.served_days(calendar)
        start = served[0][0] if served else suspension.decision_date
        if calendar.academic_year_of(start) == academic_year:
            begun += 1
            pupils.add(suspension.pupil_id)
        days += sum((part for day, part in served if calendar.academic_year_of(day) == academic_year), Decimal("0"))
    return {**figures, "suspensions": begun, "pupils": len(pupils), "days": days}


def _school_exclusions(school: list[SchoolFigures]) -> dict[str, Any]:
    """The whole school's figures for the same, summed over the terms entered (None where none are)."""
    if not school:
        return {"suspensions": None, "days": None, "permanent": None}
    return {"suspensions": sum(f.suspensions for f in school),
            "days": sum((f.suspension_days for f in school), Decimal("0")),
            "permanent": sum(f.permanent_exclusions for f in school)}


def exclusions_section(year_cohort: YearCohort, academic_year: int, school: list[SchoolFigures],
                       linked: Linked) -> dict[str, Any]:
    figures = _cohort_exclusions(year_cohort, academic_year)
    whole_school = _school_exclusions(school)
    linked.count("exclusions:suspensions", figures["suspensions"])
    linked.count("exclusions:pupils", figures["pupils"])
    linked.count("exclusions:permanent", figures["permanent"])
    linked.subset("exclusions:pupils", "exclusions:suspensions")
    linked.subset("exclusions:pupils", "cohort:total")
    return {
        "suspensions": Ref("exclusions:suspensions"),
        "pupils": Ref("exclusions:pupils"),
        "days": SUPPRESSED if is_small(figures["pupils"]) else figures["days"],
        "permanent": Ref("exclusions:permanent"),
        "school_suspensions": whole_school["suspensions"],
        "school_days": whole_school["days"],
        "school_permanent": whole_school["permanent"],
    }


PRIMARY_STAGES, SECONDARY_STAGES = ("KS1", "KS2"), ("KS3", "KS4")


@dataclass(frozen=True)
class Measure:
    stage: str
    label: str
    # Given one pupil's latest results in the year, None if they have none for this measure, else passed or not.
    passed: Callable[[Any], bool | None]
    short: str  # the chart's label
    # The whole-school figure typed in for this measure (SchoolFigures), used when the register has no one
    # outside the cohort with results.
    entered: str = ""


def _judged(subject: str) -> Callable[[Results | None], bool | None]:
    def passed(record: Results | None) -> bool | None:
        grade = getattr(record, subject, "") if record else ""
        return (grade in EXPECTED_OR_ABOVE) if grade else None
    return passed


def _scored(name: str) -> Callable[[Results | None], bool | None]:
    def passed(record: Results | None) -> bool | None:
        score = getattr(record, name, None) if record else None
        return None if score is None else score >= EXPECTED_SCALED_SCORE
    return passed


def _english_and_maths(grade: int) -> Callable[[dict[str, int] | None], bool | None]:
    def passed(grades: dict[str, int] | None) -> bool | None:
        english = [grades[s] for s in ENGLISH if s in (grades or {})]
        if not english or "maths" not in grades:
            return None
        return max(english) >= grade and grades["maths"] >= grade
    return passed


MEASURES = [
    *(Measure(stage, f"{subject.capitalize()} at the expected standard or above (teacher judgement)",
              _judged(subject), f"{stage} {subject}", f"{subject}_expected_percent") for stage in PRIMARY_STAGES
      for subject in ("reading", "writing", "maths")),
    Measure("KS2", "KS2 reading test: scaled score 100 or more", _scored("reading_score"), "KS2 reading test"),
    Measure("KS2", "KS2 maths test: scaled score 100 or more", _scored("maths_score"), "KS2 maths test"),
    *(m for stage in SECONDARY_STAGES for m in (
        Measure(stage, "English and maths at grade 4 or above (working at)", _english_and_maths(STANDARD_PASS),
                f"{stage} Eng and maths 4+"),
        Measure(stage, "English and maths at grade 5 or above (working at)", _english_and_maths(STANDARD_PASS + 1),
                f"{stage} Eng and maths 5+"),
    )),
]


class Results(NamedTuple):
    """A term's primary judgements and KS2 scores: the fields of an attainment record the measures read."""

    term: str
    reading: str
    writing: str
    maths: str
    reading_score: int | None
    maths_score: int | None
    gps_score: int | None


def _latest_results(academic_year: int, as_of: dt.date) -> dict[int, tuple[str, Any]]:
    """Every pupil's latest results in the year (the last term entered), with their key stage on as_of:
    primary judgements and KS2 scores as one record, GCSE grades as {subject: grade working at}."""
    order = {name: i for i, name in enumerate(TERM_NAMES)}
    # Asked as "in either table's pupils", not by joining both: the join makes a row for each pair of a pupil's
    # records and then removes the repeats (32 ms against 14 ms for the 7,000 pupils with results at 10,000).
    with_results = (Q(pk__in=AttainmentRecord.objects.filter(academic_year=academic_year).values("pupil_id"))
                    | Q(pk__in=SubjectGrade.objects.filter(academic_year=academic_year).values("pupil_id")))
    stages = dict(Pupil.objects.filter(with_results).annotate(key_stage=_key_stage_case(as_of))
                  .values_list("pk", "key_stage"))
    latest: dict[int, Results] = {}
    for pupil_id, *fields in AttainmentRecord.objects.filter(academic_year=academic_year).values_list(
            "pupil_id", *Results._fields):
        record = Results(*fields)
        current = latest.get(pupil_id)
        if current is None or order[record.term] > order[current.term]:
            latest[pupil_id] = record
    last_term: dict[int, int] = {}
    grades: dict[int, dict[str, int]] = defaultdict(dict)
    for pupil_id, term, subject, current in (SubjectGrade.objects.filter(academic_year=academic_year,
                                                                          current__isnull=False)
                                             .values_list("pupil_id", "term", "subject", "current")):
        if order[term] > last_term.get(pupil_id, -1):
            last_term[pupil_id], grades[pupil_id] = order[term], {}
        if order[term] == last_term[pupil_id]:
            grades[pupil_id][subject] = current
    results = {}
    for pk, stage in stages.items():
        results[pk] = (stage, grades.get(pk) if stage in SECONDARY_STAGES else latest.get(pk))
    return results


def attainment_section(year_cohort: YearCohort, academic_year: int, as_of: dt.date,
                       school: list[SchoolFigures], linked: Linked) -> dict[str, Any]:
    """Each key stage's measures for the cohort against the whole school (every pupil with results in the
    register). Counts are of the cohort's pupils with results for that measure; a stage with none is left out."""
    results = _latest_results(academic_year, as_of)
    order = {name: i for i, name in enumerate(TERM_NAMES)}
    entered = max(school, key=lambda f: order[f.term]) if school else None
    by_stage: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    for pk, (stage, found) in results.items():
        by_stage[stage].append((pk, found))
    rows, bars = [], []
    for n, measure in enumerate(MEASURES):
        cohort_outcomes, school_outcomes = [], []
        for pk, found in by_stage[measure.stage]:
            if (outcome := measure.passed(found)) is None:
                continue
            school_outcomes.append(outcome)
            if pk in year_cohort:
                cohort_outcomes.append(outcome)
        if not cohort_outcomes:
            continue
        name = f"attainment:{n}"
        linked.count(name, len(cohort_outcomes))
        stage_total = f"stage:{measure.stage}:total"
        linked.subset(name, stage_total if stage_total in linked.values else "cohort:total")
        cohort_pct = suppress_percentage(sum(cohort_outcomes), len(cohort_outcomes))
        school_pct = (Decimal(sum(school_outcomes) * 100 / len(school_outcomes)).quantize(Decimal("0.1"))
                      if len(school_outcomes) > len(cohort_outcomes) else None)
        if school_pct is None and entered is not None and measure.entered:
            school_pct = getattr(entered, measure.entered)
        rows.append((measure.stage, measure.label, Ref(name), cohort_pct, school_pct))
        short = measure.short
        bars.append((f"{short}: cohort", cohort_pct if isinstance(cohort_pct, Decimal) else 0,
                     cohort_pct if cohort_pct is not None else "—"))
        bars.append((f"{short}: school", school_pct or 0, school_pct if school_pct is not None else "—"))
    chart = charts.bar_chart(bars, title="Meeting the measure (%)", max_value=100) if bars else ""
    return {"rows": rows, "chart": chart}


def provision_section(year_cohort: YearCohort, academic_year: int, as_of: dt.date,
                      linked: Linked) -> dict[str, Any]:
    """The cohort's pupils on alternative provision or a part-time timetable at any time in the year, and
    those whose review was overdue, or (looked after) had no Virtual School agreement recorded, on as_of."""
    first, last = academic_year_bounds(academic_year)
    arrangements = list(Provision.objects.filter(pupil__in=year_cohort.ids).during(first, as_of)
                        .values_list("pupil_id", "kind", "review_due", "end_date", "vs_agreed_on"))
    rows = []
    for kind, label in PROVISION_KINDS:
        pupils = {a[0] for a in arrangements if a[1] == kind}
        overdue = {a[0] for a in arrangements if a[1] == kind and a[2] < as_of and (a[3] is None or a[3] >= as_of)}
        unagreed = {a[0] for a in arrangements if a[1] == kind and a[4] is None and year_cohort[a[0]] == cohort.CLA}
        for key, found in (("pupils", pupils), ("overdue", overdue), ("unagreed", unagreed)):
            linked.count(f"provision:{kind}:{key}", len(found))
        linked.subset(f"provision:{kind}:pupils", "cohort:total")
        linked.subset(f"provision:{kind}:overdue", f"provision:{kind}:pupils")
        linked.subset(f"provision:{kind}:unagreed", f"provision:{kind}:pupils")
        rows.append((label, Ref(f"provision:{kind}:pupils"), Ref(f"provision:{kind}:overdue"),
                     Ref(f"provision:{kind}:unagreed")))
    return {"rows": rows}


def transitions_section(year_cohort: YearCohort, academic_year: int, as_of: dt.date,
                        linked: Linked) -> dict[str, Any]:
    """The cohort's pupils who joined and who left in the year (by reason), and the transfer checklist steps
    due in the year: done by their deadline, done late, not done."""
    first, last = academic_year_bounds(academic_year)
    pupils = Pupil.objects.filter(pk__in=year_cohort.ids)
    joined = pupils.filter(admission_date__range=(first, as_of)).count()
    reasons = Counter(pupils.filter(leaving_date__range=(first, as_of)).values_list("leaving_reason", flat=True))
    linked.count("transitions:joined", joined)
    linked.subset("transitions:joined", "cohort:total")
    labels = [*transitions.LEAVING_REASONS, ("", "Reason not recorded")]
    for code, _ in labels:
        linked.count(f"transitions:left:{code}", reasons[code])
    linked.total("transitions:left", [f"transitions:left:{code}" for code, _ in labels])
    linked.subset("transitions:left", "cohort:total")
    steps = TransitionItem.objects.filter(pupil__in=year_cohort.ids, due_date__range=(first, as_of)).aggregate(
        on_time=Count("pk", filter=Q(done_on__lte=F("due_date"))),
        late=Count("pk", filter=Q(done_on__gt=F("due_date"))),
        missing=Count("pk", filter=Q(done_on__isnull=True)),
    )
    for key, value in steps.items():
        linked.count(f"transitions:steps:{key}", value)
    linked.total("transitions:steps", [f"transitions:steps:{key}" for key in steps])
    return {
        "joined": Ref("transitions:joined"), "left": Ref("transitions:left"),
        "reasons": [(label, Ref(f"transitions:left:{code}")) for code, label in labels if reasons[code]],
        "steps": [Ref(f"transitions:steps:{key}") for key in steps], "steps_total": Ref("transitions:steps"),
    }


def _pep_on_time_percent(terms: list[tuple]) -> Decimal | str | None:
    """PEPs on time as a share of those due, from the figures the table shows (none hidden), else "c"."""
    on_time = [row[1] for row in terms]
    totals = [row[4] for row in terms]
    if any(not isinstance(v, int) for v in [*on_time, *totals]):
        return SUPPRESSED
    return suppress_percentage(sum(on_time), sum(totals))


def _year_trend(year: int, today: dt.date) -> tuple[int | str, Decimal | str | None, Decimal | str | None] | None:
    """An earlier year's cohort size, PEPs on time (%) and attendance (%), each suppressed; None if it had
    no cohort. They stand alone (no table of that year is shown), so hiding small numbers is enough."""
    first, last = academic_year_bounds(year)
    year_cohort = Pupil.objects.cohort_during(first, min(today, last))
    if not year_cohort:
        return None
    _, _, counts = _looked_after_peps(year_cohort, year, today)
    on_time = sum(c[compliance.ON_TIME] for c in counts)
    due = sum(c[compliance.ON_TIME] + c[compliance.LATE] + c[compliance.MISSING] for c in counts)
    attendance = _cohort_attendance(_attendance_per_pupil(year_cohort, year))
    size = len(year_cohort)
    return (SUPPRESSED if is_small(size) else size), suppress_percentage(on_time, due), attendance


def trends_section(academic_year: int, today: dt.date, data: dict[str, Any]) -> dict[str, Any] | None:
    """The last three years side by side, where earlier years have a cohort: this year's figures are the
    ones the report's tables already show."""
    rows = []
    for year in (academic_year - 2, academic_year - 1):
        if (trend := _year_trend(year, today)) is not None:
            rows.append((academic_year_label(year), *trend))
    if not rows:
        return None
    rows.append((academic_year_label(academic_year), data["cohort"]["total"],
                 _pep_on_time_percent(data["peps"]["terms"]), data["attendance"]["attendance"]))

    def bars(column: int, title: str, max_value: float | None = None) -> str:
        return charts.bar_chart([(row[0], row[column] if isinstance(row[column], int | Decimal) else 0,
                                  row[column] if row[column] is not None else "—") for row in rows],
                                title=title, max_value=max_value)

    return {"rows": rows, "charts": [("Pupils in the cohort by year", bars(1, "Pupils in the cohort")),
                                     ("PEPs on time by year (%)", bars(2, "PEPs on time (%)", 100)),
                                     ("Cohort attendance by year (%)", bars(3, "Cohort attendance (%)", 100))]}


def report_charts(data: dict[str, Any]) -> list[dict[str, str]]:
    """The report's charts, titled, as drawn in the PDF: kept with the report so its page shows the same."""
    charts_drawn = [("The cohort", data["cohort"]["chart"]), ("PEP compliance per term", data["peps"]["chart"]),
                    ("PP+ spent by category", data["pp"].get("chart", "")),
                    ("Attendance against the whole school", data["attendance"]["chart"]),
                    ("Attainment against the whole school", data["attainment"]["chart"])]
    if data.get("trends"):
        charts_drawn += data["trends"]["charts"]
    return [{"title": title, "svg": str(svg)} for title, svg in charts_drawn if svg]


def school_figure_warnings(*, academic_year: int, today: dt.date) -> list[str]:
    """Whole-school figures typed in that are lower than the cohort's own, which cannot be: the cohort is
    part of the school. For the designated teacher, before the report goes to governors."""
    school = list(SchoolFigures.objects.filter(academic_year=academic_year))
    if not school:
        return []
    first, last = academic_year_bounds(academic_year)
    part = _cohort_exclusions(Pupil.objects.cohort_during(first, min(today, last)), academic_year)
    whole = _school_exclusions(school)
    names = {"suspensions": "Suspensions", "days": "School days lost to suspension",
             "permanent": "Permanent exclusions"}
    return [
        f"{what}: the whole school's figure for {academic_year_label(academic_year)} ({whole[key]}) is lower than "
        f"the cohort's own ({part[key]}). The cohort is part of the school, so one of them is wrong: check the "
        f"figures entered for each term."
        for key, what in names.items() if whole[key] < part[key]
    ]


def report_data(*, academic_year: int, today: dt.date, progress: Progress | None = None) -> dict[str, Any]:
    """Gather every section of the report for the academic year, anonymised and suppressed."""
    step = progress or (lambda percent, stage: None)
    first, last = academic_year_bounds(academic_year)
    as_of = min(today, last)
    school = list(SchoolFigures.objects.filter(academic_year=academic_year))
    step(10, "Counting the cohort")
    # Every section counts these children: on roll and in the cohort at any time in the year, leavers included.
    year_cohort = Pupil.objects.cohort_during(first, as_of)
    # Every count a governor reads, linked where they add up, suppressed together at the end.
    linked = Linked()
    data: dict[str, Any] = {"cohort": cohort_section(year_cohort, as_of, linked)}
    step(30, "Checking PEP compliance")
    data["peps"] = pep_section(year_cohort, academic_year, today, linked)
    step(45, "Adding up Pupil Premium Plus")
    data["pp"] = pp_section(academic_year, linked)
    step(55, "Attendance and suspensions")
    data["attendance"] = attendance_section(year_cohort, academic_year, school, linked)
    data["exclusions"] = exclusions_section(year_cohort, academic_year, school, linked)
    step(65, "Attainment, training and the narrative")
    data["attainment"] = attainment_section(year_cohort, academic_year, as_of, school, linked)
    data["provision"] = provision_section(year_cohort, academic_year, as_of, linked)
    data["transitions"] = transitions_section(year_cohort, academic_year, as_of, linked)
    linked.suppress()
    data = _resolve(data, linked)
    # The chart's labels are the short words (the table beside it has the long ones).
    data["cohort"]["chart"] = cohort_chart([(cohort.CATEGORY_SHORT[c], n) for c, (_, n) in
                                            zip(cohort.CATEGORIES, data["cohort"]["cells"], strict=True)])
    data["peps"]["chart"] = charts.stacked_bar_chart(
        [(term, [on_time, late, missing]) for term, on_time, late, missing, _ in data["peps"]["terms"]],
        series=["On time", "Late", "Missed or overdue"], title="PEPs per term: on time, late, missed or overdue",
    )
    step(70, "Trends over three years")
    data["trends"] = trends_section(academic_year, today, data)
    data["training"] = [
        (label, list(TrainingRecord.objects.filter(attended_by=code, date__range=(first, last))))
        for code, label in TrainingRecord.AUDIENCES
    ]
    data["narrative"] = ReportNarrative.objects.filter(academic_year=academic_year).first()
    data.update(
        school=SchoolProfile.load(), year_label=academic_year_label(academic_year), as_of=as_of,
        threshold=threshold(), school_figures_entered=bool(school),
    )
    return data
