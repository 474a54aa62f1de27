"""factory_boy factories for volume; conftest.py has the named personas."""

import datetime as dt

import factory

from pupils import cohort
from pupils.demo import make_upn
from pupils.derived import derived_rebuild
from pupils.models import CareEpisode, Pupil


class RebuildsDerived(factory.django.DjangoModelFactory):
    """A record made in a test as a service makes it: what derives from its pupil's records follows at once
    (pupils.derived). A test that writes with the ORM directly calls `derived_rebuild` itself."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        record = super()._create(model_class, *args, **kwargs)
        derived_rebuild([record.pk if isinstance(record, Pupil) else record.pupil_id])
        return record


class PupilFactory(RebuildsDerived):
    class Meta:
        model = Pupil

    upn = factory.Sequence(make_upn)
    first_name = factory.Iterator(["Crumpet", "Muffin", "Pickle", "Waffle", "Sprout"])
    last_name = factory.Sequence(lambda n: f"Testington-{n}")
    date_of_birth = dt.date(2013, 3, 14)
    admission_date = dt.date(2024, 9, 4)


class CareEpisodeFactory(RebuildsDerived):
    class Meta:
        model = CareEpisode

    pupil = factory.SubFactory(PupilFactory)
    kind = cohort.CIN
    start_date = dt.date(2025, 1, 6)
    end_date = None
    legal_status = factory.LazyAttribute(lambda o: "C2" if o.kind == cohort.CLA else "")
    pla_route = factory.LazyAttribute(lambda o: "adoption" if o.kind == cohort.PLA else "")
    kinship_arrangement = factory.LazyAttribute(lambda o: "known" if o.kind == cohort.KIN else "")
