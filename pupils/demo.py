"""A synthetic demo school. Every name is obviously made up; no real pupil data."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cwsw import roles
from cwsw.models import SchoolProfile
from cwsw.terms import academic_year_of

from . import checklists, cohort, transitions
from .models import LEGAL_STATUSES, PLA_ROUTES, CareEpisode, Pupil, TransitionItem
from .spells import spells_rebuild
from .validators import upn_check_letter

DEMO_PASSWORD = "cwsw-demo-2026"
DEMO_LA_CODE = "999"  # not a real local authority
DEMO_ESTABLISHMENT = "9001"

DEMO_USERS = [
    # username, first name, last name, roles
    ("head", "Demo", "Headteacher", [roles.HEADTEACHER]),
    ("dt", "Demo", "Designated-Teacher", [roles.DESIGNATED_TEACHER]),
    ("dsl", "Demo", "Safeguarding-Lead", [roles.DSL]),
    ("governor", "Demo", "Governor", [roles.GOVERNOR]),
    ("staff", "Demo", "Key-Adult", [roles.STAFF]),
]

FIRST_NAMES = [
    "Apple", "Biscuit", "Crumpet", "Dumpling", "Eclair", "Fudge", "Gherkin", "Hobnob",
    "Jelly", "Kipper", "Lentil", "Muffin", "Noodle", "Pickle", "Quince", "Radish",
    "Sprout", "Truffle", "Waffle", "Yam", "Custard", "Parsnip", "Scone", "Teacake",
]
LAST_NAMES = [
    "Testington", "Sampleford", "Mockworth", "Fakesby", "Demoville", "Dummyfield",
    "Placeholder", "Examplethorpe", "Pretendham", "Madeupton",
]
AUTHORITIES = ["Demoshire County Council", "Exampleborough Council", "Testford City Council"]
SOCIAL_WORKERS = ["Demo Worker A", "Demo Worker B", "Demo Worker C"]


@dataclass
class DemoResult:
    pupils: int
    in_cohort: int


def make_upn(serial: int) -> str:
    """Return a valid UPN for the demo school; serial runs from 0 to 89,999."""
    body = f"{DEMO_LA_CODE}{DEMO_ESTABLISHMENT}{10 + serial // 1000:02d}{serial % 1000:03d}"
    return upn_check_letter(body) + body


def demo_users() -> dict[str, object]:
    User = get_user_model()
    roles.ensure_groups()
    users = {}
    for username, first, last, user_roles in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@school.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.set(Group.objects.filter(name__in=user_roles))
        users[username] = user
    return users


def _history(rng: random.Random, kind_roll: float, today: dt.date, dob: dt.date, admitted: dt.date) -> list[dict]:
    """Return care episodes (as field dicts) for one pupil, by a roll of the dice."""
    def days_ago(low: int, high: int) -> dt.date:
        return max(dob + dt.timedelta(days=30), today - dt.timedelta(days=rng.randint(low, high)))

    def cla(start: dt.date, end: dt.date | None) -> dict:
        return {"kind": cohort.CLA, "start_date": start, "end_date": end,
                "legal_status": rng.choice(LEGAL_STATUSES)[0],
                "responsible_authority": rng.choice(AUTHORITIES),
                "social_worker_name": rng.choice(SOCIAL_WORKERS),
                "social_worker_contact": "01632 960000"}

    def plan(kind: str, start: dt.date, end: dt.date | None) -> dict:
        return {"kind": kind, "start_date": start, "end_date": end,
                "responsible_authority": rng.choice(AUTHORITIES),
                "social_worker_name": rng.choice(SOCIAL_WORKERS),
                "social_worker_contact": "01632 960001"}

    if kind_roll < 0.06:  # looked after now, sometimes after a Child in Need plan
        start = days_ago(30, 1500)
        episodes = [cla(start, None)]
        if rng.random() < 0.3 and start - dt.timedelta(days=200) > dob:
            episodes.append(plan(cohort.CIN, start - dt.timedelta(days=200), start - dt.timedelta(days=1)))
        return episodes
    if kind_roll < 0.11:  # previously looked after: care, then an order
        left_care = days_ago(200, 3000)
        episodes = [{"kind": cohort.PLA, "start_date": left_care, "end_date": None,
                     "pla_route": rng.choice(PLA_ROUTES)[0]}]
        if left_care - dt.timedelta(days=400) > dob:
            episodes.append(cla(left_care - dt.timedelta(days=400), left_care - dt.timedelta(days=1)))
        return episodes
    def kinship(start: dt.date, arrangement: str) -> dict:
        return {"kind": cohort.KIN, "start_date": start, "end_date": None, "kinship_arrangement": arrangement,
                "responsible_authority": AUTHORITIES[0]}

    if kind_roll < 0.18:  # a Child in Need or Child Protection plan now; a few living with relatives too
        now = plan(rng.choice([cohort.CIN, cohort.CP]), days_ago(10, 700), None)
        return [now, kinship(now["start_date"], "known")] if kind_roll < 0.12 else [now]
    if kind_roll < 0.29:  # had a social worker within six years
        end = days_ago(30, 6 * 365)
        return [plan(rng.choice([cohort.CIN, cohort.CP]), end - dt.timedelta(days=rng.randint(60, 500)), end)]
    if kind_roll < 0.30:  # leaving the six-year window within a month
        end = cohort.add_years(today, -6) + dt.timedelta(days=rng.randint(1, 28))
        return [plan(cohort.CIN, end - dt.timedelta(days=300), end)]
    if kind_roll < 0.31:  # left the cohort: a plan that ended over six years ago
        end = cohort.add_years(today, -6) - dt.timedelta(days=rng.randint(1, 400))
        if end - dt.timedelta(days=200) > dob:
            return [plan(cohort.CP, end - dt.timedelta(days=200), end)]
        return []
    if kind_roll < 0.33:  # in kinship care, never looked after: with a relative under an order or by agreement
        return [kinship(days_ago(100, 2500), rng.choice(["sgo", "cao", "known"]))]
    return []


# Most leavers move school; a few are home educated, go to college or are excluded.
LEAVER_REASONS = [transitions.MOVED_SCHOOL] * 6 + [transitions.MOVED_AWAY, transitions.EHE, transitions.POST16,
                                                   transitions.PERMANENT_EXCLUSION]
DEMO_DESTINATIONS = ["Northbrook Demo Academy (synthetic)", "Southfield Pretend School (synthetic)",
                     "Example Sixth Form College (synthetic)"]


def _seed_checklists(rng: random.Random, pupils: list[Pupil], today: dt.date, dsl: object) -> None:
    """The leavers' and recent joiners' checklists, most steps already done, some late, some still to come.

    Two on roll are shown leaving too: a child on a protection plan who left a few days ago for another
    school (the file sent, its receipt not yet confirmed), and a looked-after child whose carers plan to
    home educate from a fortnight on (the DSL's prompts).
    """
    on_roll = Pupil.objects.filter(pk__in=[p.pk for p in pupils]).on_roll(today).with_category(today)
    showcase = [(on_roll.filter(category=cohort.CWSW).order_by("pk").first(), today - dt.timedelta(days=4),
                 transitions.MOVED_SCHOOL, DEMO_DESTINATIONS[0]),
                (on_roll.filter(category=cohort.CLA).order_by("pk").first(), today + dt.timedelta(days=14),
                 transitions.EHE, "")]
    for pupil, left, reason, destination in showcase:
        if pupil is not None:
            pupil.leaving_date, pupil.leaving_reason, pupil.destination_school = left, reason, destination
            pupil.save(update_fields=["leaving_date", "leaving_reason", "destination_school"])
            pupils = [p for p in pupils if p.pk != pupil.pk] + [pupil]
    moving = [p for p in pupils if p.leaving_date or p.admission_date >= today - transitions.JOINING_WINDOW]
    checklists.checklists_sync(pupils=moving, today=today)
    order = list(transitions.STEPS)
    items = sorted(TransitionItem.objects.filter(pupil__in=[p.pk for p in moving]),
                   key=lambda i: (i.pupil_id, order.index(i.step)))
    done, done_on = [], {}
    for item in items:
        before = done_on.get((item.pupil_id, item.definition.after)) if item.definition.after else item.counted_from
        # Steps still to come stay open; some that fell due in the last month are left late, for the dashboard.
        recent_leaver = item.step == "file_sent" and item.counted_from == today - dt.timedelta(days=4)
        left_late = today - dt.timedelta(days=30) < item.due_date < today and rng.random() < 0.3
        if before is None or (item.due_date >= today and not recent_leaver) or left_late:
            continue
        item.done_on = min(today, max(before, item.due_date - dt.timedelta(days=rng.randint(0, 3))))
        item.done_by = dsl
        if item.definition.needs_confirmation:
            item.confirmed_by = "Demo DSL at the new school (synthetic)"
        done_on[(item.pupil_id, item.step)] = item.done_on
        done.append(item)
    TransitionItem.objects.bulk_update(done, ["done_on", "done_by", "confirmed_by"], batch_size=1000)


@transaction.atomic
def seed_demo_school(*, pupils: int, seed: int = 2026, as_of: dt.date | None = None) -> DemoResult:
    """Create the demo users and a school of `pupils` synthetic pupils."""
    rng = random.Random(seed)
    reviews = random.Random(seed + 1)  # its own stream, so the pupils after an EHC plan stay as they were
    today = as_of or timezone.localdate()
    users = demo_users()
    profile = SchoolProfile.load()
    profile.name = "Demo Academy (synthetic data)"
    profile.la_code, profile.establishment_number = DEMO_LA_CODE, DEMO_ESTABLISHMENT
    profile.virtual_school_name = "Demoshire Virtual School"
    profile.virtual_school_contact = "virtual.school@demoshire.invalid"
    profile.designated_teacher = users["dt"]
    profile.designated_safeguarding_lead = users["dsl"]
    profile.designated_governor = "Demo Governor"
    profile.save()

    this_year = academic_year_of(today)
    new_pupils, histories = [], []
    for serial in range(pupils):
        year_group = rng.randint(7, 13)
        born_ay = this_year - year_group - 5
        dob = dt.date(born_ay, 9, 1) + dt.timedelta(days=rng.randint(0, 364))
        admitted = dt.date(this_year - (year_group - 7), 9, rng.randint(1, 7)) if rng.random() < 0.9 else (
            today - dt.timedelta(days=rng.randint(20, 300)))
        left = today - dt.timedelta(days=rng.randint(1, 200)) if rng.random() < 0.02 else None
        if left and left <= admitted:
            left = None
        reason = rng.choice(LEAVER_REASONS) if left else ""
        sen = rng.choices(["N", "K", "E"], weights=[80, 15, 5])[0]
        new_pupils.append(Pupil(
            upn=make_upn(serial), first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
            date_of_birth=dob, admission_date=admitted, leaving_date=left, leaving_reason=reason,
            destination_school=rng.choice(DEMO_DESTINATIONS) if reason in transitions.NEEDS_DESTINATION else "",
            sen_status=sen, fsm_eligible=rng.random() < 0.25,
            ehcp_review_due=today + dt.timedelta(days=reviews.randint(-20, 330)) if sen == "E" else None,
        ))
        histories.append(_history(rng, rng.random(), today, dob, admitted))
    created = bulk_create_with_history(new_pupils, Pupil, batch_size=1000)
    if not created or created[0].pk is None:  # some databases return no keys from bulk_create
        created = list(Pupil.objects.filter(upn__in=[p.upn for p in new_pupils]).order_by("upn"))
    episodes, in_cohort = [], 0
    now = timezone.now()
    for pupil, history in zip(created, histories, strict=False):
        for fields in history:
            episodes.append(CareEpisode(pupil=pupil, **fields))
        if history:
            in_cohort += cohort.category_from_episodes(
                [CareEpisode(**f) for f in history], today) is not None
            if history[0]["kind"] in (cohort.CIN, cohort.CP) and history[0]["end_date"] is None:
                pupil.key_adult = users["staff"] if rng.random() < 0.3 else None
                if rng.random() < 0.3:  # the DSL flagged the plan (the first of this pupil's episodes)
                    flagged = episodes[-len(history)]
                    flagged.flagged_by, flagged.flagged_at = users["dsl"], now
            if history[0]["kind"] == cohort.CLA and rng.random() < 0.5:
                pupil.key_adult = users["staff"]
                pupil.key_strategies = "Meet and greet at the gate. Time-out card. Seat near the door."
    bulk_create_with_history(episodes, CareEpisode, batch_size=1000)
    spells_rebuild(p.pk for p in created)  # bulk_create sends no signals
    with_adult = [p for p in created if p.key_adult_id]
    Pupil.objects.bulk_update(with_adult, ["key_adult", "key_strategies"], batch_size=1000)
    _seed_checklists(rng, created, today, users["dsl"])
    return DemoResult(pupils=len(created), in_cohort=in_cohort)
