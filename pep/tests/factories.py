import datetime as dt
from decimal import Decimal

import factory

from pep.models import ExclusionConsultation, PepMeeting, PepTarget, PpPlusAllocation, PpPlusSpend
from pupils.tests.factories import CareEpisodeFactory, PupilFactory, RebuildsDerived


def looked_after_pupil(**pupil_fields):
    """A pupil looked after since January 2024 (a full care order)."""
    return CareEpisodeFactory(kind="CLA", start_date=dt.date(2024, 1, 8), pupil__key_adult=None,
                              **{f"pupil__{k}": v for k, v in pupil_fields.items()}).pupil


class PepFactory(RebuildsDerived):
    class Meta:
        model = PepMeeting

    pupil = factory.LazyFunction(looked_after_pupil)
    academic_year = 2025
    term = "autumn"
    meeting_date = dt.date(2025, 10, 15)
    status = "held"
    # A meeting that took place has its attendees and the next meeting's date, as signing off needs.
    attendees = factory.LazyAttribute(lambda pep: [] if pep.status == "planned" else ["child", "carer", "dt"])
    next_meeting_date = factory.LazyAttribute(
        lambda pep: None if pep.status == "planned" else pep.meeting_date + dt.timedelta(days=84))


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PepTarget

    pep = factory.SubFactory(PepFactory)
    area = "reading"
    description = "Read aloud to the key adult three times a week until February half term"
    success_criteria = "Reading age up six months on the spring test"
    owner = "Class teacher"
    pp_plus_needed = Decimal("300.00")


class AllocationFactory(RebuildsDerived):
    class Meta:
        model = PpPlusAllocation

    pupil = factory.SubFactory(PupilFactory)
    financial_year = 2025
    amount = Decimal("2630.00")
    source = "virtual_school"
    received_on = dt.date(2025, 5, 1)


class ExclusionFactory(RebuildsDerived):
    class Meta:
        model = ExclusionConsultation

    pupil = factory.SubFactory(PupilFactory)
    incident_date = dt.date(2025, 10, 6)
    incident = "Demo incident in the playground"
    proposed_action = "suspension"


def spend_values(spend: PpPlusSpend) -> dict:
    """A spend built in a test, as the keyword values the services take."""
    return {"allocation": spend.allocation, "spent_on": spend.spent_on, "amount": spend.amount,
            "category": spend.category, "description": spend.description, "target": spend.target,
            "impact": spend.impact}
