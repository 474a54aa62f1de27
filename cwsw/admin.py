from typing import Any

from axes.utils import reset as axes_reset
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from . import twofactor
from .models import AccessLog, SchoolProfile, TaskFailure, Term


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the access log cannot be added to, changed or deleted by hand."""

    list_display = ["at", "user", "contributor", "address", "code", "pupil_id", "page"]
    list_filter = ["action", "code", "at"]
    search_fields = ["user__username", "contributor", "address", "code", "detail"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TaskFailure)
class TaskFailureAdmin(admin.ModelAdmin):
    """Read-only record of background work that failed; an administrator may clear old rows."""

    list_display = ["at", "task", "stage", "ref", "error"]
    list_filter = ["stage", "task"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(SchoolProfile)
admin.site.register(Term)


class UserAdmin(DjangoUserAdmin):
    """Users, with the two administrator's remedies: reset two-factor login, unlock."""

    actions = ["two_factor_reset", "unlock"]

    @admin.action(description="Reset two-factor login and sign out (they set it up again at next login)")
    def two_factor_reset(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = list(queryset)
        for user in users:
            twofactor.two_factor_reset(user)
        ended = twofactor.sessions_end(users)
        self.message_user(
            request, f"Two-factor login reset for {len(users)} user(s); {ended} session(s) signed out."
        )

    @admin.action(description="Unlock after too many failed logins")
    def unlock(self, request: HttpRequest, queryset: QuerySet) -> None:
        cleared = sum(axes_reset(username=user.get_username()) for user in queryset)
        self.message_user(request, f"Unlocked {queryset.count()} user(s); {cleared} failed-login record(s) cleared.")


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
