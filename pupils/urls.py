from django.urls import path

from . import views

app_name = "pupils"

urlpatterns = [
    path("", views.pupil_list, name="list"),
    path("add/", views.pupil_add, name="add"),
    path("flag/", views.pupil_flag, name="flag"),
    path("flag/search/", views.pupil_search, name="search"),
    path("find/", views.pupil_find, name="find"),
    path("export.csv", views.pupil_export, name="export"),
    path("import/", views.pupil_import, name="import"),
    path("import/records/", views.records_import, name="records_import"),
    path("import/ctf/", views.ctf_import, name="ctf_import"),
    path("import/marks/", views.marks_import, name="marks_import"),
    path("retention/", views.retention_review, name="retention"),
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export.csv", views.access_log_export, name="access_log_export"),
    path("<int:pk>/records/", views.pupil_records, name="records"),
    path("<int:pk>/records/<str:kind>/", views.record_save, name="record_save"),
    path("<int:pk>/flags-seen/", views.flags_seen, name="flags_seen"),
    path("<int:pk>/", views.pupil_detail, name="detail"),
    path("<int:pk>/edit/", views.pupil_edit, name="edit"),
    path("<int:pk>/history/", views.pupil_history, name="history"),
    path("<int:pk>/erase/", views.pupil_erase, name="erase"),
    path("<int:pk>/leaving/", views.pupil_leave, name="leave"),
    path("checklist/<int:pk>/done/", views.transition_done, name="transition_done"),
    path("<int:pk>/episodes/add/", views.episode_add, name="episode_add"),
    path("<int:pk>/notes/add/", views.note_add, name="note_add"),
    path("episodes/<int:pk>/edit/", views.episode_edit, name="episode_edit"),
    path("episodes/<int:pk>/end/", views.episode_end, name="episode_end"),
]
