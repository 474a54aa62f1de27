"""PP+ across the financial year: who may have it, overspending refused by the model, corrections kept."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pep import services
from pep.models import PpPlusAllocation, PpPlusSpend
from pep.selectors import pp_summary
from pep.tests.factories import AllocationFactory, looked_after_pupil, spend_values
from pupils.history import pupil_history
from pupils.tests.factories import CareEpisodeFactory, PupilFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 5, 20, 12, 0))


def spend(allocation, amount, spent_on=D(2025, 10, 1)):
    return PpPlusSpend(allocation=allocation, spent_on=spent_on, amount=Decimal(amount), category="tuition",
                       description="Reading tuition")


def test_it_refuses_an_overspend_in_the_spends_own_validation():
    allocation = AllocationFactory(pupil=looked_after_pupil(), amount=Decimal("1000.00"))
    spend(allocation, "600.00").save()
    with pytest.raises(ValidationError, match="£400.00 of £1,000.00 remains"):
        spend(allocation, "600.00").full_clean()


def test_it_refuses_an_allocation_for_a_pupil_never_looked_after():
    allocation = PpPlusAllocation(pupil=PupilFactory(), financial_year=2025, amount=Decimal("2630"),
                                  source="direct", received_on=D(2025, 5, 1))
    with pytest.raises(ValidationError, match="nor previously looked after in financial year 2025-26"):
        allocation.full_clean()


def test_it_accepts_an_allocation_for_a_child_who_left_care_during_the_financial_year():
    pupil = CareEpisodeFactory(kind="CLA", start_date=D(2023, 1, 9), end_date=D(2025, 6, 30)).pupil
    PpPlusAllocation(pupil=pupil, financial_year=2025, amount=Decimal("2630"), source="virtual_school",
                     received_on=D(2025, 5, 1)).full_clean()
    with pytest.raises(ValidationError):  # 2026-27 starts after care ended
        PpPlusAllocation(pupil=pupil, financial_year=2026, amount=Decimal("2630"), source="virtual_school",
                         received_on=D(2026, 5, 1)).full_clean()


def test_it_defaults_the_source_from_the_category(login, dt_user):
    adopted = CareEpisodeFactory(kind="PLA", start_date=D(2022, 1, 10)).pupil
    form = login(dt_user).get(reverse("pep:allocation_add", args=[adopted.pk])).context["form"]
    assert form.initial["source"] == "direct"


def test_it_refuses_a_spend_before_the_financial_year_and_shows_one_after_it_as_carried_forward():
    allocation = AllocationFactory(pupil=looked_after_pupil(), financial_year=2025)
    with pytest.raises(ValidationError, match="before this allocation's financial year starts"):
        spend(allocation, "100.00", spent_on=D(2025, 3, 31)).full_clean()
    late = spend(allocation, "100.00", spent_on=D(2026, 4, 1))
    late.full_clean()
    assert late.carried_forward and not spend(allocation, "100.00", spent_on=D(2026, 3, 31)).carried_forward


def test_it_corrects_a_spend_with_a_reason_and_keeps_what_it_was(dt_user):
    pupil = looked_after_pupil()
    allocation = AllocationFactory(pupil=pupil)
    wrong = services.spend_record(**spend_values(spend(allocation, "600.00")), by=dt_user)
    values = {**spend_values(wrong), "amount": Decimal("60.00")}
    del values["allocation"]
    services.spend_correct(spend=wrong, **values, reason="Typed an extra nought", by=dt_user)
    change = next(c for c in pupil_history(pupil, dt_user) if c.section == "PP+ spend" and c.kind == "~")
    assert change.reason == "Typed an extra nought"
    assert [(f.old, f.new) for f in change.fields if f.label == "Amount (£)"] == [("600.00", "60.00")]


def test_it_withdraws_a_spend_and_leaves_it_out_of_every_total(login, dt_user):
    allocation = AllocationFactory(pupil=looked_after_pupil(), amount=Decimal("1000.00"))
    entered_twice = services.spend_record(**spend_values(spend(allocation, "600.00")), by=dt_user)
    login(dt_user).post(reverse("pep:spend_withdraw", args=[entered_twice.pk]), {"reason": "Entered twice"})
    entered_twice.refresh_from_db()
    assert entered_twice.is_withdrawn and entered_twice.withdrawn_reason == "Entered twice"
    assert allocation.remaining() == Decimal("1000.00")
    assert pp_summary(financial_year=2025).spent == Decimal("0.00")
    services.spend_record(**spend_values(spend(allocation, "1000.00")), by=dt_user)  # the money is free again


def test_it_refuses_to_withdraw_an_allocation_with_spends(login, dt_user):
    allocation = AllocationFactory(pupil=looked_after_pupil())
    services.spend_record(**spend_values(spend(allocation, "100.00")), by=dt_user)
    response = login(dt_user).post(reverse("pep:allocation_withdraw", args=[allocation.pk]), {"reason": "Wrong"})
    assert "Withdraw or move the spends" in response.content.decode()
    assert not PpPlusAllocation.objects.get(pk=allocation.pk).is_withdrawn


def test_it_refuses_a_correction_without_a_reason(login, dt_user):
    allocation = AllocationFactory(pupil=looked_after_pupil())
    response = login(dt_user).post(reverse("pep:allocation_edit", args=[allocation.pk]), {
        "financial_year": "2025", "amount": "1315.00", "source": "virtual_school", "received_on": "2025-05-01",
        "reason": " "})
    assert "reason" in response.context["form"].errors
    assert PpPlusAllocation.objects.get(pk=allocation.pk).amount == Decimal("2630.00")


def test_it_refuses_to_correct_an_allocation_below_what_is_spent(dt_user):
    allocation = AllocationFactory(pupil=looked_after_pupil())
    services.spend_record(**spend_values(spend(allocation, "2000.00")), by=dt_user)
    with pytest.raises(ValidationError, match="£2,000.00 is already spent"):
        services.allocation_correct(allocation=allocation, financial_year=2025, amount=Decimal("1315.00"),
                                    source=allocation.source, received_on=allocation.received_on, reason="Half only",
                                    by=dt_user)
