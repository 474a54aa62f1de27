"""factory_boy factories for volume; conftest.py has the named personas."""

import datetime as dt

import factory

from pupils import cohort
from pupils.demo import make_upn
from pupils.models import CareEpisode, Pupil


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    upn = factory.Sequence(make_upn)
    first_name = factory.Iterator(["Crumpet", "Muffin", "Pickle", "Waffle", "Sprout"])
    last_name = factory.Sequence(lambda n: f"Testington-{n}")
    date_of_birth = dt.date(2013, 3, 14)
    admission_date = dt.date(2024, 9, 4)


class CareEpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareEpisode

    pupil = factory.SubFactory(PupilFactory)
    kind = cohort.CIN
    start_date = dt.date(2025, 1, 6)
    end_date = None
    legal_status = factory.LazyAttribute(lambda o: "C2" if o.kind == cohort.CLA else "")
    pla_route = factory.LazyAttribute(lambda o: "adoption" if o.kind == cohort.PLA else "")
