from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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
