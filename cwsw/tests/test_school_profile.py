import pytest
from django.urls import reverse

from cwsw.models import SchoolProfile

pytestmark = pytest.mark.django_db


def test_it_lets_the_head_save_the_school_profile(login, head, dt_user):
    login(head).post(reverse("cwsw:school"), {
        "name": "Demo Academy", "la_code": "999", "establishment_number": "9001",
        "designated_teacher": dt_user.pk, "initial_pep_school_days": 20,
    })
    profile = SchoolProfile.load()
    assert (profile.name, profile.designated_teacher) == ("Demo Academy", dt_user)


def test_it_refuses_a_bad_la_code(login, head):
    response = login(head).post(reverse("cwsw:school"), {"name": "Demo", "la_code": "99"})
    assert response.context["form"].errors["la_code"] == ["The LA code is three digits, e.g. 999."]


def test_it_offers_only_designated_teachers_as_the_dt(login, head, dt_user, staff):
    form = login(head).get(reverse("cwsw:school")).context["form"]
    assert list(form.fields["designated_teacher"].queryset) == [dt_user]


def test_it_keeps_only_ever_one_profile():
    SchoolProfile(name="A").save()
    SchoolProfile(name="B").save()
    assert SchoolProfile.objects.get().name == "B"


def test_it_creates_the_role_groups_when_migrating():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Headteacher", "Designated teacher", "Designated safeguarding lead", "Governor", "Staff"}
