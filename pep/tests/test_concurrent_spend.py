"""Two PP+ spends saved at the same moment cannot overdraw one allocation (PostgreSQL)."""

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
from pep.models import PpPlusAllocation, PpPlusSpend
from pupils.tests.factories import PupilFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_it_refuses_two_spends_at_once_that_would_overdraw_an_allocation(monkeypatch):
    assert connection.vendor == "postgresql"
    user = make_user("dt", roles.DESIGNATED_TEACHER)
    allocation = PpPlusAllocation.objects.create(
        pupil=PupilFactory(), financial_year=2025, amount=Decimal("1000.00"), source="direct",
        received_on=dt.date(2025, 5, 1),
    )
    # Widen the race: each spend pauses after its balance check, before it is written.
    original_clean = PpPlusSpend.full_clean

    def slow_clean(self, *args, **kwargs):
        time.sleep(0.5)
        return original_clean(self, *args, **kwargs)

    monkeypatch.setattr(PpPlusSpend, "full_clean", slow_clean)
    start = threading.Barrier(2)
    outcomes = []

    def spend():
        try:
            start.wait()
            services.spend_record(allocation=allocation, spent_on=dt.date(2025, 10, 1), amount=Decimal("600.00"),
                                  category="tuition", description="Tuition block", by=user)
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append(error.message_dict["amount"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[1] == "saved"
    assert sorted(outcomes)[0].startswith("This would overspend the allocation: £400.00 of £1,000.00 remains")
    assert allocation.spends.count() == 1
    assert allocation.remaining() == Decimal("400.00")
