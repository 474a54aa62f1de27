"""Pupil Premium Plus: rates, allocations and spends, in Decimal, never overspent."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pep import services
from pep.models import PpPlusAllocation, PpPlusRate, PpPlusSpend
from pep.selectors import pp_summary
from pep.tests.factories import AllocationFactory, TargetFactory, looked_after_pupil

pytestmark = pytest.mark.django_db
SPEND = {"spent_on": "2025-10-01", "amount": "600.00", "category": "tuition",
         "description": "Ten sessions of reading tuition", "impact": "Reading age up 4 months"}


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 20, 12, 0))


def test_it_holds_the_published_rates():
    assert PpPlusRate.rate_for(2024) == Decimal("2570.00")
    assert PpPlusRate.rate_for(2025) == Decimal("2630.00")


def test_it_lets_the_school_add_a_year_to_the_rates(login, dt_user):
    client = login(dt_user)
    assert reverse("pep:rate_add") in client.get(reverse("pep:pp_school")).content.decode()
    response = client.post(reverse("pep:rate_add"), {"financial_year": "2026", "amount": "2700.00"}, follow=True)
    assert PpPlusRate.rate_for(2026) == Decimal("2700.00")
    assert response.redirect_chain == [(f"{reverse('pep:pp_school')}?year=2026", 302)]
    assert "The rate for financial year 2026-27 is added." in response.content.decode()
    assert response.context["rate"] == Decimal("2700.00")  # the summary of the year added shows its rate
    assert client.get(reverse("pep:pp_school"), {"year": 2025}).context["rate"] == Decimal("2630.00")
    # A year with no rate that the form offers links to the form with that year chosen; a year too far ahead
    # to be offered, and a year with its rate, do not.
    page = client.get(reverse("pep:pp_school"), {"year": 2023})
    assert page.context["rate"] is None
    assert f'href="{reverse("pep:rate_add")}?year=2023"' in page.content.decode()
    form = client.get(reverse("pep:rate_add"), {"year": 2023}).context["form"]
    assert '<option value="2023" selected>' in str(form["financial_year"])
    page = client.get(reverse("pep:pp_school"), {"year": 2027})
    assert page.context["rate"] is None and 'data-testid="add-year-rate"' not in page.content.decode()
    assert 'data-testid="add-year-rate"' not in response.content.decode()


def test_it_refuses_a_second_rate_for_a_year_next_to_the_field(login, dt_user):
    response = login(dt_user).post(reverse("pep:rate_add"), {"financial_year": "2025", "amount": "1.00"})
    assert response.status_code == 200
    assert response.context["form"].errors["financial_year"]
    assert PpPlusRate.rate_for(2025) == Decimal("2630.00")


def test_it_records_an_allocation_with_the_rate_offered(login, dt_user):
    pupil = looked_after_pupil()
    client = login(dt_user)
    form = client.get(reverse("pep:allocation_add", args=[pupil.pk])).context["form"]
    assert (form.initial["amount"], form.initial["source"]) == (Decimal("2630.00"), "virtual_school")
    client.post(reverse("pep:allocation_add", args=[pupil.pk]), {
        "financial_year": "2025", "amount": "657.50", "source": "virtual_school", "received_on": "2025-09-10"})
    assert PpPlusAllocation.objects.get().amount == Decimal("657.50")


@pytest.mark.parametrize("field, value, message", [
    ("amount", "-5", "Enter 0.01 or more."),
    ("amount", "12.345", "no more than 2 decimal places"),
    ("amount", "abc", "Enter a number"),
    ("received_on", "2026-01-01", "cannot be in the future"),
    ("received_on", "2020-01-01", "long before the financial year"),
])
def test_it_refuses_a_bad_allocation(login, dt_user, field, value, message):
    pupil = looked_after_pupil()
    data = {"financial_year": "2025", "amount": "657.50", "source": "virtual_school", "received_on": "2025-09-10"}
    response = login(dt_user).post(reverse("pep:allocation_add", args=[pupil.pk]), {**data, field: value})
    assert any(message in e for e in response.context["form"].errors[field])
    assert not PpPlusAllocation.objects.exists()


def test_it_records_a_spend_against_a_pep_target(login, dt_user):
    target = TargetFactory()
    allocation = AllocationFactory(pupil=target.pep.pupil)
    login(dt_user).post(reverse("pep:spend_add", args=[allocation.pk]), {**SPEND, "target": target.pk})
    spend = PpPlusSpend.objects.get()
    assert (spend.amount, spend.target) == (Decimal("600.00"), target)
    assert allocation.remaining() == Decimal("2030.00")


def test_it_refuses_a_spend_that_would_overdraw_the_allocation(login, dt_user):
    allocation = AllocationFactory(amount=Decimal("1000.00"))
    client = login(dt_user)
    client.post(reverse("pep:spend_add", args=[allocation.pk]), SPEND)
    response = client.post(reverse("pep:spend_add", args=[allocation.pk]), {**SPEND, "amount": "400.01"})
    assert response.context["form"].errors["amount"] == [
        "This would overspend the allocation: £400.00 of £1,000.00 remains, and this spend is £400.01."]
    assert PpPlusSpend.objects.count() == 1


def test_it_allows_spending_to_exactly_zero(dt_user):
    allocation = AllocationFactory(amount=Decimal("0.30"))
    for _ in range(3):
        services.spend_record(allocation=allocation, spent_on=dt.date(2025, 10, 1), amount=Decimal("0.10"),
                              category="other", description="x", by=dt_user)
    assert allocation.remaining() == Decimal("0.00")


def test_it_refuses_a_spend_dated_before_the_financial_year(dt_user):
    allocation = AllocationFactory()
    with pytest.raises(ValidationError, match="before this allocation's financial year"):
        services.spend_record(allocation=allocation, spent_on=dt.date(2025, 3, 31), amount=Decimal("1"),
                              category="other", description="x", by=dt_user)


def test_it_adds_up_the_summary_in_decimal_by_category(dt_user):
    allocation = AllocationFactory(amount=Decimal("0.30"))
    for amount, category in (("0.10", "tuition"), ("0.10", "tuition"), ("0.05", "resources")):
        services.spend_record(allocation=allocation, spent_on=dt.date(2025, 10, 1), amount=Decimal(amount),
                              category=category, description="x", by=dt_user)
    summary = pp_summary(financial_year=2025)
    assert (summary.allocated, summary.spent, summary.remaining) == (
        Decimal("0.30"), Decimal("0.25"), Decimal("0.05"))
    assert summary.by_category == [("Tuition and catch-up", Decimal("0.20")),
                                   ("Resources and equipment", Decimal("0.05"))]
    assert all(isinstance(v, Decimal) for _, v in summary.by_category)


def test_it_shows_the_year_on_the_school_page(login, dt_user):
    AllocationFactory(amount=Decimal("2630.00"))
    body = login(dt_user).get(reverse("pep:pp_school"), {"year": 2025}).content.decode()
    assert "£2,630.00" in body


def test_a_spend_serves_only_its_own_pupils_target_whatever_the_form_offers():
    allocation = AllocationFactory()
    another_childs = TargetFactory()
    spend = PpPlusSpend(allocation=allocation, spent_on=dt.date(2025, 10, 1), amount=Decimal("10"),
                        category="tuition", description="x", target=another_childs)
    with pytest.raises(ValidationError) as refusal:
        spend.full_clean()
    assert refusal.value.message_dict["target"] == [
        "Choose one of this pupil's PEP targets: a spend serves a target of the pupil whose PP+ it is."]
    spend.target = TargetFactory(pep__pupil=allocation.pupil)
    spend.full_clean()


# --- Each pupil's PP+ in a year ---------------------------------------------------------------------


def allocate(last_name, amount, spends=(), withdrawn_spend=None, year=2025):
    allocation = AllocationFactory(pupil=looked_after_pupil(last_name=last_name), amount=Decimal(amount),
                                   financial_year=year)
    for spent in spends:
        PpPlusSpend.objects.create(allocation=allocation, spent_on=dt.date(2025, 10, 1), amount=Decimal(spent),
                                   category="tuition", description="Tuition block")
    if withdrawn_spend:
        PpPlusSpend.objects.create(
            allocation=allocation, spent_on=dt.date(2025, 10, 2), amount=Decimal(withdrawn_spend), category="tuition",
            description="Entered twice", withdrawn_at=dt.datetime(2025, 10, 3, tzinfo=dt.UTC),
            withdrawn_reason="Entered twice")
    return allocation


def test_each_pupil_s_allocated_spent_and_balance_with_a_spend_button(login, dt_user):
    full = allocate("Demo-Alder", "2630.00", spends=["600.00", "30.00"], withdrawn_spend="500.00")
    allocate("Demo-Birch", "1000.00", spends=["1000.00"])
    allocate("Demo-Other-Year", "900.00", year=2024)
    page = login(dt_user).get(reverse("pep:pp_pupils"), {"year": 2025})
    rows = {p.last_name: (p.allocated, p.spent, p.balance, p.open_allocation) for p in page.context["pupils"]}
    assert rows == {"Demo-Alder": (Decimal("2630.00"), Decimal("630.00"), Decimal("2000.00"), full.pk),
                    "Demo-Birch": (Decimal("1000.00"), Decimal("1000.00"), Decimal("0.00"), None)}
    body = page.content.decode()
    assert reverse("pep:spend_add", args=[full.pk]) in body and body.count(">Record a spend<") == 1


def test_the_list_sorts_by_balance_and_exports_what_it_shows(login, dt_user):
    allocate("Demo-Alder", "2630.00", spends=["2600.00"])
    allocate("Demo-Birch", "2630.00")
    client = login(dt_user)
    page = client.get(reverse("pep:pp_pupils"), {"year": 2025, "sort": "balance"})
    assert [p.last_name for p in page.context["pupils"]] == ["Demo-Birch", "Demo-Alder"]
    export = client.get(reverse("pep:pp_export"), {"year": 2025, "sort": "balance"})
    lines = export.content.decode().splitlines()
    assert lines[0] == "UPN,Pupil,Category,Allocated,Spent,Unspent"
    assert [line.split(",")[1] for line in lines[1:]] == ['"Demo-Birch', '"Demo-Alder']
    assert lines[1].endswith("CLA,2630.00,0.00,2630.00")
    from cwsw.models import AccessLog

    assert AccessLog.objects.filter(code="ppplus.exported").count() == 2


def test_after_the_year_ends_the_balance_is_unspent_at_31_march(login, dt_user, time_machine):
    allocate("Demo-Alder", "2630.00", spends=["600.00"])
    time_machine.move_to(dt.datetime(2026, 4, 2, 12, 0))
    body = login(dt_user).get(reverse("pep:pp_pupils"), {"year": 2025}).content.decode()
    assert "Unspent at 31 March" in body and ">Record a spend<" not in body


def test_the_per_pupil_list_costs_the_same_queries_however_many_pupils(login, dt_user,
                                                                       django_assert_max_num_queries):
    client = login(dt_user)
    allocate("Demo-First", "2630.00", spends=["10.00"])
    with django_assert_max_num_queries(9):
        client.get(reverse("pep:pp_pupils"), {"year": 2025})
    for n in range(12):
        allocate(f"Demo-Many-{n}", "2630.00", spends=["10.00", "20.00"])
    with django_assert_max_num_queries(9):  # as many as for one pupil
        client.get(reverse("pep:pp_pupils"), {"year": 2025})
