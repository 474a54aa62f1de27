import pytest

from cwsw.models import AccessLog
from pupils.tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(dt_user):
    AccessLog.record(user=dt_user, action=AccessLog.VIEW, pupils=[PupilFactory()])
    return AccessLog.objects.get()


def test_it_cannot_be_changed(entry):
    entry.action = AccessLog.EXPORT
    with pytest.raises(PermissionError):
        entry.save()


def test_it_cannot_be_deleted(entry):
    with pytest.raises(PermissionError):
        entry.delete()


def test_it_cannot_be_deleted_or_updated_in_bulk(entry):
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.update(action="view")


def test_it_outlives_the_pupil_it_names(entry):
    pupil_id = entry.pupil_id
    PupilFactory._meta.model.objects.filter(pk=pupil_id).delete()
    assert AccessLog.objects.get().pupil_id == pupil_id


def test_the_admin_cannot_add_change_or_delete(admin_client, entry):
    assert admin_client.get(f"/admin/cwsw/accesslog/{entry.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/cwsw/accesslog/add/").status_code == 403
    response = admin_client.post(f"/admin/cwsw/accesslog/{entry.pk}/change/", {"action": "export"})
    assert response.status_code == 403
    assert AccessLog.objects.get().action == "view"
