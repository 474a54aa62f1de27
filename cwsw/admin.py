from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessLog, SchoolProfile, Term


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the access log cannot be added to, changed or deleted by hand."""

    list_display = ["at", "user", "action", "pupil_id", "detail"]
    list_filter = ["action", "at"]
    search_fields = ["user__username", "detail"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(SchoolProfile)
admin.site.register(Term)
