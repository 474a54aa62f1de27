"""The administration pages for pupils (superusers only). A change made here is logged and works out
again what derives from the pupil's records, as a change through the app's own pages does."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from cwsw.models import AccessLog

from .derived import derived_rebuild
from .models import CareEpisode, Pupil


class CareEpisodeInline(admin.TabularInline):
    model = CareEpisode
    extra = 0
    fields = ["kind", "start_date", "end_date", "legal_status", "pla_route", "responsible_authority"]


@admin.register(Pupil)
class PupilAdmin(SimpleHistoryAdmin):
    list_display = ["upn", "last_name", "first_name", "date_of_birth", "admission_date", "leaving_date"]
    search_fields = ["upn", "last_name", "first_name"]
    inlines = [CareEpisodeInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Pupils who leave are archived; only the headteacher's retention review deletes.
        return False

    # Django calls these once the pupil and its inlines are saved (a version restored from the history too).
    def log_addition(self, request: HttpRequest, obj: Pupil, message: Any) -> Any:
        self._changed(request, obj, "pupil.admin_created", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Pupil, message: Any) -> Any:
        self._changed(request, obj, "pupil.admin_changed", message)
        return super().log_change(request, obj, message)

    def _changed(self, request: HttpRequest, obj: Pupil, code: str, message: Any) -> None:
        derived_rebuild([obj.pk])
        fields = sorted({name for change in message if isinstance(change, dict)
                         for part in change.values() for name in part.get("fields", [])})
        AccessLog.record(user=request.user, code=code, pupils=[obj.pk], about=obj, data={"fields": fields})

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        self._history_read(request, object_id, response)
        return response

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: Any = None) -> HttpResponse:
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self._history_read(request, object_id, response)
        return response

    def _history_read(self, request: HttpRequest, object_id: str, response: HttpResponse) -> None:
        """The history shows past names, UPNs and dates of birth: reading it is logged like reading the pupil."""
        if response.status_code == 200 and str(object_id).isdigit():
            AccessLog.record(user=request.user, code="pupil.history_viewed", pupils=[int(object_id)])
