from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .middleware import two_factor_exempt

school_patterns = [
    path("", views.school_profile, name="school"),
    path("terms/", views.term_dates, name="terms"),
    path("terms/<int:year>/", views.term_dates, name="terms_year"),
    path("terms/import/", views.term_import, name="terms_import"),
]

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("login/code/", views.two_factor_verify, name="two_factor_verify"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("logout/", two_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("account/two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
    path("account/two-factor/backup-codes/", views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("account/two-factor/remove/", views.two_factor_remove, name="two_factor_remove"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Forgotten passwords: the same answer whether or not the address has an account, and after
    # setting a new password the user logs in again, two-factor code and all.
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("school/", include((school_patterns, "cwsw"))),
    path("floor/", views.floor, name="floor"),
    path("floor/table/", views.table_floor, name="table_floor"),
    path("pupils/", include("pupils.urls")),
    path("casework/", include("pep.urls")),
    path("contribute/", include("pep.contributor_urls")),
    path("", include("reporting.dashboard_urls")),
    path("", include("reporting.urls")),
    path("admin/", admin.site.urls),
]


# A request that failed: "busy, try again" when SQLite stayed locked, else the plain 500 page.
handler500 = "cwsw.errors.server_error"
