from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("reports/", views.governor_report_list, name="governor_report_list"),
    path("reports/<int:pk>/", views.governor_report, name="governor_report"),
    path("reports/<int:pk>/download/", views.governor_report_download, name="governor_report_download"),
    path("reports/narrative/", views.narrative, name="narrative"),
    path("reports/narrative/<int:year>/", views.narrative, name="narrative_year"),
    path("reports/school-figures/", views.school_figures, name="school_figures"),
    path("reports/school-figures/<int:year>/", views.school_figures, name="school_figures_year"),
    path("reports/training/", views.training, name="training"),
    path("reminders/", views.digest, name="digest"),
    path("due/<str:kind>/", views.due_list, name="due_list"),
    path("due/<str:kind>/export.csv", views.due_export, name="due_export"),
]
