"""Suspensions saved at the same moment cannot take a pupil past 45 days in a year (PostgreSQL)."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from conftest import make_user
from cwsw import roles
from pep import services
from pep.models import ExclusionConsultation
from pupils.tests.factories import PupilFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
# Four 15-day suspensions in 2025/26 that do not overlap: 60 days, but only 45 may be served.
FIRST_DAYS = [dt.date(2025, 10, 1), dt.date(2025, 11, 5), dt.date(2026, 1, 6), dt.date(2026, 2, 23)]


def test_it_refuses_suspensions_saved_at_once_that_would_pass_45_days(monkeypatch):
    assert connection.vendor == "postgresql"
    user = make_user("dsl", roles.DSL)
    pupil = PupilFactory()
    # Widen the race: each save pauses before its own check of the days already served.
    original_clean = ExclusionConsultation.full_clean

    def slow_clean(self, *args, **kwargs):
        time.sleep(0.3)
        return original_clean(self, *args, **kwargs)

    monkeypatch.setattr(ExclusionConsultation, "full_clean", slow_clean)
    start = threading.Barrier(len(FIRST_DAYS))
    outcomes = []

    def save(first_day):
        try:
            start.wait()
            services.exclusion_save(
                pupil=pupil, incident_date=first_day - dt.timedelta(days=1), incident="Demo incident",
                proposed_action="suspension", decision="suspension", decision_date=first_day - dt.timedelta(days=1),
                first_day=first_day, days=Decimal("15"), by=user)
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append(error.message_dict["days"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(day,)) for day in FIRST_DAYS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("saved") == 3
    assert [o for o in outcomes if o != "saved"][0].startswith("A pupil can be suspended for at most 45 school days")
    assert sum(e.days for e in ExclusionConsultation.objects.filter(pupil=pupil)) == Decimal("45")
