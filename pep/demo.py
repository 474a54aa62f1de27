"""Synthetic casework for the demo school: PEPs, PP+, suspensions, attendance and attainment.

Long because the demo's casework is drawn from one seeded random stream, year by year and pupil by pupil:
split across modules, a change in one would silently reshuffle every record after it.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cwsw.models import Term
from cwsw.terms import TERM_NAMES, academic_year_of, financial_year_of
from pupils import cohort, years
from pupils.attendance import concerns_sync
from pupils.marks import term_figures_rebuild
from pupils.models import (
    ATTAINMENT_CHOICES,
    AttainmentRecord,
    AttendanceContact,
    AttendanceMark,
    AttendanceRecord,
    CareEpisode,
    Pupil,
    SubjectGrade,
)

from .invitation_rules import QA_SECTIONS
from .models import (
    SPEND_CATEGORIES,
    Contribution,
    ExclusionConsultation,
    Invitation,
    PepMeeting,
    PepTarget,
    PpPlusAllocation,
    PpPlusRate,
    PpPlusSpend,
    Provision,
    QualityReview,
)

TARGETS = {
    "reading": ("Read aloud to the key adult three times a week", "Reading age up six months"),
    "maths": ("Weekly times-tables practice with a tutor", "Recalls 6, 7 and 8 times tables"),
    "semh": ("Use the time-out card instead of leaving class", "Fewer than two walk-outs a half term"),
    "attendance": ("Arrive by 8.45 with the breakfast club", "Attendance above 95% this term"),
}


# The demo school has a past: this many academic (and financial) years before this one, so last year's
# Report to Governors, the one governors read in the autumn, reads like a real one.
PAST_YEARS = 2


def _in_care_on(pupil: Pupil, day: dt.date) -> bool:
    return any(e.start_date <= day and (e.end_date is None or e.end_date >= day) for e in pupil.episodes.all())


def _on_roll_on(pupil: Pupil, day: dt.date) -> bool:
    return pupil.admission_date <= day and (pupil.leaving_date is None or pupil.leaving_date > day)


MARKED_PUPILS = 12


def _seed_marks(rng: random.Random, pupils: list[Pupil], today: dt.date, calendar: Any) -> None:
    """This term's daily marks for a few pupils with a social worker, as if imported from the MIS each day:
    mostly present, some illness and appointments, and a few absences with no reason yet (one of them today),
    so their term is counted from the marks and the DSL has social workers to tell."""
    term = calendar.term_of(today)
    with_worker = [p for p in pupils if p.category in cohort.HAS_SOCIAL_WORKER][:MARKED_PUPILS]
    if term is None or not with_worker:
        return
    days = [term.start + dt.timedelta(days=i) for i in range((today - term.start).days + 1)]
    days = [d for d in days if calendar.is_school_day(d)]
    marks = []
    for n, pupil in enumerate(with_worker):
        for day in days:
            if day < pupil.admission_date:
                continue
            roll = rng.random()
            am = "N" if (day == today and n < 2) or roll < 0.005 else "I" if roll < 0.07 else "M" if roll < 0.08 \
                else "L" if roll < 0.11 else "/"
            pm = am if am in ("N", "I") else "\\"
            marks += [AttendanceMark(pupil=pupil, date=day, session="am", code=am),
                      AttendanceMark(pupil=pupil, date=day, session="pm", code=pm)]
    AttendanceMark.objects.bulk_create(marks, batch_size=2000)
    term_figures_rebuild([p.pk for p in with_worker], [term])


@transaction.atomic
def seed_demo_casework(*, seed: int = 2026, as_of: dt.date | None = None) -> dict[str, int]:
    """Add casework to the demo school's cohort for this year and the PAST_YEARS before it; returns how many
    of each record it made."""
    rng = random.Random(seed)
    today = as_of or timezone.localdate()
    this_year = academic_year_of(today)
    this_fy = financial_year_of(today)
    dt_user = get_user_model().objects.filter(username="dt").first()
    calendar = Term.calendar()
    cohort_pupils = (
        Pupil.objects.on_roll(today).with_category(today).filter(category__isnull=False)
        .prefetch_related(Prefetch("episodes", queryset=CareEpisode.objects.filter(kind=cohort.CLA)))
    )
    peps, allocations, attendance, attainment, exclusions = [], [], [], [], []
    pupils = list(cohort_pupils)
    for year in range(this_year - PAST_YEARS, this_year + 1):
        terms = [t for t in Term.terms_for(year) if t.start <= today]
        for pupil in pupils:
            _seed_pupil_year(rng, pupil, year, terms, today, calendar, dt_user, peps, attendance, attainment,
                             exclusions)
    for fy in range(this_fy - PAST_YEARS, this_fy + 1):
        rate = PpPlusRate.rate_for(fy) or Decimal("2630.00")
        for pupil in pupils:
            allocations += [a for a in _allocations(pupil, fy, rate, today) if _valid(a)]
    # Contacts are logged about this term's concerns.
    latest_term = (this_year, terms[-1].name) if terms else None
    crossing = _suspension_across_the_year_end(rng, pupils, this_year - 1, calendar)
    if crossing is not None:
        exclusions.append(crossing)
    bulk_create_with_history(attendance, AttendanceRecord, batch_size=2000)
    _seed_marks(random.Random(seed + 3), pupils, today, calendar)
    concerns_sync({r.pupil_id for r in attendance})  # the contacts below follow the concerns
    # A contact logged for about half the pupils whose attendance this term is 90% or lower.
    dsl = get_user_model().objects.filter(username="dsl").first()
    other = random.Random(seed + 1)  # its own stream, so the records after it stay as they were
    contacts = [
        AttendanceContact(pupil=r.pupil, contacted_on=today - dt.timedelta(days=other.randint(1, 20)), by=dsl,
                          contacted=other.choice(["carer", "social_worker", "virtual_school"]),
                          agreed="Demo: a morning check-in with the key adult, reviewed in two weeks.")
        for r in attendance
        if (r.academic_year, r.term) == latest_term and r.persistently_absent and other.random() < 0.5 and dsl
    ]
    bulk_create_with_history(contacts, AttendanceContact, batch_size=1000)
    bulk_create_with_history(attainment, AttainmentRecord, batch_size=2000)
    _seed_secondary_attainment(random.Random(seed + 2), pupils, today)
    bulk_create_with_history(exclusions, ExclusionConsultation, batch_size=1000)
    peps = bulk_create_with_history(peps, PepMeeting, batch_size=1000)
    targets = []
    for pep in peps:
        if pep.status == "planned":
            continue
        for area in rng.sample(list(TARGETS), 2):
            description, criteria = TARGETS[area]
            targets.append(PepTarget(pep=pep, area=area, description=description, success_criteria=criteria,
                                     owner="Class teacher", pp_plus_needed=Decimal(rng.choice([0, 150, 300, 450]))))
    bulk_create_with_history(targets, PepTarget, batch_size=2000)
    allocations = bulk_create_with_history(allocations, PpPlusAllocation, batch_size=1000)
    spends = []
    categories = [c for c, _ in SPEND_CATEGORIES]
    for allocation in allocations:
        left = allocation.amount
        # A year that has ended was mostly spent; this year's is being spent.
        for _ in range(rng.randint(2, 4) if allocation.financial_year < this_fy else rng.randint(0, 3)):
            amount = Decimal(rng.choice([120, 250, 400, 600]))
            if amount > left:
                break
            left -= amount
            spends.append(PpPlusSpend(
                allocation=allocation,
                spent_on=min(today, max(allocation.received_on, dt.date(allocation.financial_year, 9, 20))
                             + dt.timedelta(days=rng.randint(0, 60))),
                amount=amount, category=rng.choice(categories), description="Demo purchase",
                impact="Reported at the next PEP",
            ))
    bulk_create_with_history(spends, PpPlusSpend, batch_size=2000)
    provisions = _seed_provision(random.Random(seed + 3), pupils, targets, today)
    return {"provisions": provisions,
            "peps": len(peps), "targets": len(targets), "allocations": len(allocations), "spends": len(spends),
            "exclusions": len(exclusions), "attendance": len(attendance)}


def _seed_pupil_year(rng: random.Random, pupil: Pupil, year: int, terms: list, today: dt.date, calendar: Any,
                     dt_user: Any, peps: list, attendance: list, attainment: list, exclusions: list) -> None:
    """One cohort pupil's year: attendance and attainment each term on roll, a PEP a term while looked after
    (most on time and signed off; a few late, missed or, this term, planned), now and then a suspension."""
    past = year < academic_year_of(today)
    grades = [c for c, _ in ATTAINMENT_CHOICES]
    for term in terms:
        if not _on_roll_on(pupil, term.start):
            continue
        ended = term.end < today
        possible = rng.randint(100, 130) if ended else rng.randint(30, 60)
        attendance.append(AttendanceRecord(
            pupil=pupil, academic_year=year, term=term.name, possible_sessions=possible,
            # Sessions missed in proportion to the term so far (up to a fifth of a whole term).
            attended_sessions=possible - rng.choice([0, 2, 4, 6, 10, 16, 24]) * possible // 120,
        ))
        if pupil.year_group(term.start) < years.SECONDARY_FROM_YEAR:  # secondary pupils have GCSE grades
            attainment.append(AttainmentRecord(
                pupil=pupil, academic_year=year, term=term.name,
                reading=rng.choice(grades), writing=rng.choice(grades), maths=rng.choice(grades)))
        if pupil.category != cohort.CLA:
            continue
        roll = rng.random()
        if roll < 0.08 and ended:
            continue  # missed
        held = ended or roll < 0.5
        late = roll > 0.92
        day = term.end + dt.timedelta(days=3) if late else term.start + dt.timedelta(days=rng.randint(10, 40))
        day = min(day, today) if held else today + dt.timedelta(days=rng.randint(3, 20))
        if not _in_care_on(pupil, day):
            continue  # not yet in care on that day: no PEP
        counts_for = calendar.term_for_meeting(day) or term
        signed = held and (roll < 0.8 or (past and roll < 0.97))
        peps.append(PepMeeting(
            pupil=pupil, academic_year=counts_for.academic_year, term=counts_for.name, meeting_date=day,
            status=("complete" if signed else "held") if held else "planned",
            attendees=["child", "carer", "social_worker", "dt"] if held else [],
            next_meeting_date=day + dt.timedelta(days=rng.randint(70, 100)) if held else None,
            child_views="Enjoys art and football; finds mornings hard." if held else "",
            attendance_percent=Decimal(rng.randint(80, 100)) if held else None,
            sdq_total=rng.randint(5, 25) if held else None,
            vs_rating=rng.choice(["green", "green", "amber", ""]) if held else "",
            completed_by=dt_user if signed else None,
            completed_at=timezone.now() if signed else None,
        ))
    if rng.random() < 0.04 and terms and _on_roll_on(pupil, terms[0].start):
        incident = terms[0].start + dt.timedelta(days=rng.randint(5, 40))
        if incident.weekday() >= 5:
            incident += dt.timedelta(days=7 - incident.weekday())
        incident = min(incident, today - dt.timedelta(days=1))
        exclusions.append(_suspension(pupil, incident, Decimal(rng.choice(["0.5", "1", "2", "6"])), calendar,
                                      notified=rng.random() < 0.7))


def _suspension(pupil: Pupil, incident: dt.date, days: Decimal, calendar: Any, *, notified: bool = True
                ) -> ExclusionConsultation:
    return ExclusionConsultation(
        pupil=pupil, incident_date=incident, incident="Demo incident: refused to follow instructions",
        proposed_action="suspension", consulted_on=incident, vs_adviser="Demo Adviser",
        vs_advice="Consider a reduced timetable first", decision="suspension", decision_date=incident,
        pla_parent_consent=True,  # consulted with the parents' consent where the child was adopted
        first_day=calendar.next_school_day(incident + dt.timedelta(days=1)), days=days,
        social_worker_notified_on=incident if notified else None,
    )


def _suspension_across_the_year_end(rng: random.Random, pupils: list[Pupil], year: int,
                                    calendar: Any) -> ExclusionConsultation | None:
    """One five-day suspension starting two school days before the summer holiday, served into September."""
    summer = next((t for t in Term.terms_for(year) if t.name == "summer"), None)
    if summer is None:
        return None
    last = summer.end
    while not calendar.is_school_day(last):  # the term's last school day, before the summer holiday
        last -= dt.timedelta(days=1)
    incident = last - dt.timedelta(days=2)
    while not calendar.is_school_day(incident):
        incident -= dt.timedelta(days=1)
    on_roll = [p for p in pupils if _on_roll_on(p, incident) and _on_roll_on(p, summer.end + dt.timedelta(days=60))]
    if not on_roll:
        return None
    return _suspension(rng.choice(on_roll), incident, Decimal("5"), calendar)


def _valid(record: Any) -> bool:
    """Whether the record passes its own rules (a year the child was not yet in care gets no PP+)."""
    try:
        record.clean()
    except ValidationError:
        return False
    return True


def _allocations(pupil: Pupil, fy: int, rate: Decimal, today: dt.date) -> list[PpPlusAllocation]:
    """A financial year's PP+: a looked-after child's in two halves from the Virtual School (the second in
    the autumn), an adopted child's in one sum to the school; only for a year the child was in it."""
    start = dt.date(fy, 4, 1)
    if start > today or not _on_roll_on(pupil, start.replace(month=5)):
        return []
    if pupil.category == cohort.CLA:
        if not _in_care_on(pupil, dt.date(fy, 5, 1)):
            return []
        halves = [dt.date(fy, 5, 1), dt.date(fy, 11, 1)]
        return [PpPlusAllocation(pupil=pupil, financial_year=fy, amount=rate / 2, source="virtual_school",
                                 received_on=day, note=f"{'First' if i == 0 else 'Second'} half, released by the "
                                                       "Virtual School")
                for i, day in enumerate(halves) if day <= today]
    if pupil.category == cohort.PLA:
        return [PpPlusAllocation(pupil=pupil, financial_year=fy, amount=rate, source="direct",
                                 received_on=dt.date(fy, 6, 1))] if dt.date(fy, 6, 1) <= today else []
    return []


DEMO_SUBJECTS = ("english_language", "maths", "combined_science", "history")


def _seed_secondary_attainment(rng: random.Random, cohort_pupils: list[Pupil], today: dt.date) -> None:
    """GCSE grades for the cohort's Years 7 to 11, term by term since last September (a line to follow on
    the pupil page), with targets two grades up; KS2 scores from Year 6 for those now in Year 7; and this
    term's English and maths grades for every other pupil in Years 7 to 11, so the report has a whole school
    to compare with."""
    year = academic_year_of(today)
    terms = [(year - 1, name) for name in TERM_NAMES] + [
        (t.academic_year, t.name) for t in Term.terms_for(year) if t.start <= today]
    grades, scores, scored = [], [], []
    in_cohort = {p.pk for p in cohort_pupils}
    # A Year 7 pupil on roll here in Year 6 already has last summer's judgements: the scores go on that record.
    had = {r.pupil_id: r for r in AttainmentRecord.objects.filter(
        pupil__in=[p.pk for p in cohort_pupils], academic_year=year - 1, term="summer")}
    for pupil in cohort_pupils:
        group = pupil.year_group(today)
        if group == years.SECONDARY_FROM_YEAR:
            record = had.get(pupil.pk) or AttainmentRecord(pupil=pupil, academic_year=year - 1, term="summer")
            record.reading_score, record.maths_score, record.gps_score = (
                rng.randint(88, 114), rng.randint(86, 112), rng.randint(85, 115))
            (scored if record.pk else scores).append(record)
        if not years.SECONDARY_FROM_YEAR <= group <= 11:
            continue
        for subject in DEMO_SUBJECTS:
            start = rng.randint(2, 6)
            target = min(start + 2, 9)
            grade = start
            for academic_year, term in terms:
                if academic_year == year - 1 and group == years.SECONDARY_FROM_YEAR:
                    continue  # in Year 6 then: no GCSE grades
                grade = max(1, min(9, grade + rng.choice([-1, 0, 0, 1, 1])))
                grades.append(SubjectGrade(pupil=pupil, academic_year=academic_year, term=term, subject=subject,
                                           current=grade, predicted=min(grade + 1, 9), target=target))
    latest = terms[-1]
    first, last = years.birth_range(years.SECONDARY_FROM_YEAR, 11, today)
    for pk in (Pupil.objects.on_roll(today).filter(date_of_birth__range=(first, last)).exclude(pk__in=in_cohort)
               .values_list("pk", flat=True)):
        for subject in ("english_language", "maths"):
            grade = rng.randint(2, 8)
            grades.append(SubjectGrade(pupil_id=pk, academic_year=latest[0], term=latest[1], subject=subject,
                                       current=grade, predicted=min(grade + 1, 9), target=min(grade + 1, 9)))
    bulk_create_with_history(scores, AttainmentRecord, batch_size=2000)
    AttainmentRecord.objects.bulk_update(scored, ["reading_score", "maths_score", "gps_score"], batch_size=1000)
    bulk_create_with_history(grades, SubjectGrade, batch_size=5000)


PROVIDERS = ("Demo Valley Skills Centre", "Demo Farm School", "Demo Hospital Education Service")


def _seed_provision(rng: random.Random, cohort_pupils: list[Pupil], targets: list[PepTarget],
                    today: dt.date) -> int:
    """One cohort pupil in 25 (at least four) on alternative provision or a part-time timetable: most reviewed on time,
    some overdue, a looked-after child or two with no Virtual School agreement recorded yet."""
    target_of = {t.pep.pupil_id: t for t in targets}
    made = []
    for pupil in rng.sample(cohort_pupils, min(len(cohort_pupils), max(4, len(cohort_pupils) // 25))):
        kind = rng.choice(["alternative", "part_time"])
        start = max(today - dt.timedelta(days=rng.randint(20, 120)), pupil.admission_date)
        looked_after = pupil.category == cohort.CLA
        made.append(Provision(
            pupil=pupil, kind=kind, provider=rng.choice(PROVIDERS) if kind == "alternative" else "",
            start_date=start, hours_a_week=Decimal(rng.choice([10, 12.5, 15, 20])),
            reason=("Demo: vocational course two days a week" if kind == "alternative"
                    else "Demo: phased return after a placement move"),
            review_due=today + dt.timedelta(days=rng.choice([-9, -2, 5, 12, 30, 45])),
            vs_agreed_on=start - dt.timedelta(days=3) if looked_after and rng.random() < 0.8 else None,
            target=target_of.get(pupil.pk) if looked_after else None,
        ))
    bulk_create_with_history(made, Provision, batch_size=1000)
    return len(made)


# --- Contributions from outside the school: an invitation in each state -------------------------

DEMO_ANSWERS = {
    "social_worker": [["Care plan and placement: news the school should know",
                       "Demo: placement stable since September; contact with a grandparent every other Saturday."],
                      ["What you ask of the school before the next PEP", "Demo: keep the same key adult."]],
    "carer": [["Learning at home", "Demo: reads ten minutes most evenings; likes football club."]],
    "child": [["What is going well at school?", "Demo: art and PE."], ["What would help you?", "Demo: a quiet place."]],
}


@transaction.atomic
def seed_demo_contributions(*, as_of: dt.date | None = None) -> int:
    """Invitations on a planned and a held PEP, one in each state, so the demo shows the whole flow.

    The open one is sent through the service, so its e-mail is in var/mail (its link works);
    the others are made directly with links nobody knows.
    """
    from . import services  # services send the e-mail; the demo is built with them where it can be
    from .invitation_rules import new_token

    now = timezone.now()
    dt_user = get_user_model().objects.filter(username="dt").first()
    planned = PepMeeting.objects.filter(status="planned").order_by("meeting_date", "pk").first()
    held = PepMeeting.objects.filter(status="held").order_by("-meeting_date", "pk").first()
    if held is None:  # a small school may have signed every PEP off: leave the latest one awaiting sign-off
        held = PepMeeting.objects.filter(status="complete").order_by("-meeting_date", "pk").first()
        if held is not None:
            held.status, held.completed_by, held.completed_at = "held", None, None
            held.save(update_fields=["status", "completed_by", "completed_at"])
    if dt_user is None or planned is None:
        return 0

    def made(pep, role, name, purpose="contribution", **state):
        created = state.pop("created_at", now - dt.timedelta(days=3))
        return Invitation.objects.create(
            pep=pep, role=role, name=name, email=f"{role.replace('_', '-')}.{pep.pk}@demo.invalid", purpose=purpose,
            token_hash=new_token()[1], created_by=dt_user, created_at=created,
            expires_at=created + dt.timedelta(days=14), **state)

    services.invitation_send(pep=planned, role="social_worker", name="Demo Social-Worker",
                             email="social-worker@demo.invalid", by=dt_user)
    made(planned, "vs_adviser", "Demo Adviser", withdrawn_at=now - dt.timedelta(days=1))
    made(planned, "carer", "Demo Carer (old link)", created_at=now - dt.timedelta(days=20))
    made(planned, "child", "Demo Key-Adult (old link)", failed_codes=5, locked_at=now - dt.timedelta(days=2))
    count = 4
    for pep, role, name, status in [(planned, "carer", "Demo Carer", "pending"),
                                    (planned, "child", "Demo Key-Adult", "accepted"),
                                    (held, "social_worker", "Demo Social-Worker", "pending")]:
        if pep is None:
            continue
        invitation = made(pep, role, name, verified_at=now - dt.timedelta(days=2),
                          answered_at=now - dt.timedelta(days=1))
        Contribution.objects.create(
            invitation=invitation, pep=pep, answers=DEMO_ANSWERS[role], submitted_at=invitation.answered_at,
            status=status, decided_by=dt_user if status != "pending" else None,
            decided_at=now if status != "pending" else None)
        count += 1
    if held is not None:
        invitation = made(held, "vs_adviser", "Demo Adviser", purpose="quality", verified_at=now,
                          answered_at=now - dt.timedelta(hours=2))
        sections = [[label, "amber" if key == "voice" else "green"] for key, label in QA_SECTIONS]
        feedback = "Demo: a sound plan. Record the child's own words next time."
        QualityReview.objects.create(invitation=invitation, pep=held, sections=sections, rating="amber",
                                     feedback=feedback, submitted_at=invitation.answered_at)
        held.vs_rating, held.vs_feedback = "amber", feedback
        held.save(update_fields=["vs_rating", "vs_feedback"])
        count += 1
    return count
