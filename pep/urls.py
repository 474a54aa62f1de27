from django.urls import path

from . import views

app_name = "pep"

urlpatterns = [
    path("peps/", views.grid, name="grid"),
    path("peps/<int:pk>/", views.pep_detail, name="pep_detail"),
    path("peps/<int:pk>/hold/", views.pep_hold, name="pep_hold"),
    path("peps/<int:pk>/complete/", views.pep_complete, name="pep_complete"),
    path("peps/<int:pk>/reopen/", views.pep_reopen, name="pep_reopen"),
    path("peps/<int:pk>/rating/", views.pep_rate, name="pep_rate"),
    path("peps/<int:pk>/pdf/", views.pep_pdf, name="pep_pdf"),
    path("peps/<int:pk>/invite/", views.pep_invite, name="pep_invite"),
    path("peps/<int:pk>/quality/", views.pep_quality_request, name="pep_quality_request"),
    path("invitations/<int:pk>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("contributions/<int:pk>/decide/", views.contribution_decide, name="contribution_decide"),
    path("peps/<int:pk>/targets/add/", views.target_add, name="target_add"),
    path("peps/<int:pk>/review/<int:target_pk>/", views.target_review, name="target_review"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("pupils/<int:pk>/", views.pupil_casework, name="pupil"),
    path("pupils/<int:pk>/summary/", views.pupil_summary, name="pupil_summary"),
    path("pupils/<int:pk>/peps/add/", views.pep_add, name="pep_add"),
    path("pupils/<int:pk>/pp-plus/add/", views.allocation_add, name="allocation_add"),
    path("pupils/<int:pk>/exclusions/add/", views.exclusion_add, name="exclusion_add"),
    path("pupils/<int:pk>/provision/add/", views.provision_add, name="provision_add"),
    path("provision/", views.provisions, name="provisions"),
    path("provision/<int:pk>/", views.provision_edit, name="provision_edit"),
    path("pupils/<int:pk>/transfer-packs/", views.transfer_packs, name="transfer_packs"),
    path("transfer-packs/<int:pk>/", views.transfer_pack, name="transfer_pack"),
    path("transfer-packs/<int:pk>/download/", views.transfer_pack_download, name="transfer_pack_download"),
    path("pp-plus/", views.pp_school, name="pp_school"),
    path("pp-plus/pupils/", views.pp_pupils, name="pp_pupils"),
    path("pp-plus/pupils/export/", views.pp_export, name="pp_export"),
    path("pp-plus/rates/add/", views.rate_add, name="rate_add"),
    path("pp-plus/allocations/<int:pk>/spend/", views.spend_add, name="spend_add"),
    path("pp-plus/allocations/<int:pk>/correct/", views.allocation_edit, name="allocation_edit"),
    path("pp-plus/allocations/<int:pk>/withdraw/", views.allocation_withdraw, name="allocation_withdraw"),
    path("pp-plus/spends/<int:pk>/correct/", views.spend_edit, name="spend_edit"),
    path("pp-plus/spends/<int:pk>/withdraw/", views.spend_withdraw, name="spend_withdraw"),
    path("exclusions/", views.exclusions, name="exclusions"),
    path("exclusions/<int:pk>/", views.exclusion_edit, name="exclusion_edit"),
]
