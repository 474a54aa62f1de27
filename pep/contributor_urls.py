"""The only URLs an invitation link reaches; everything else in the app needs a login."""

from django.urls import path

from .views import contributors as contributor_views

app_name = "contribute"

urlpatterns = [
    path("thanks/", contributor_views.thanks, name="thanks"),
    path("thanks/copy/", contributor_views.copy, name="copy"),
    path("<str:token>/", contributor_views.invitation, name="invitation"),
]
