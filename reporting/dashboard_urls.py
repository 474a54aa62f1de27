"""The landing page, outside the reporting namespace: other code reverses it as "dashboard"."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
