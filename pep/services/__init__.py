"""Every write to the casework, one module per subject: each checks its rules under the pupil's lock,
saves, and writes the access log. Views validate a form, call one of these and redirect.

meetings: PEPs and targets; contributions: invitations to people outside the school and what they send;
ppplus: Pupil Premium Plus; exclusions: suspensions and exclusions; provision: alternative provision;
packs: transfer packs.
"""

from .contributions import (
    LINK_GONE,
    QUALITY_ONLY_WHEN_HELD,
    contribution_decide,
    contribution_draft_save,
    contribution_submit,
    invitation_check_code,
    invitation_send,
    invitation_send_code,
    invitation_withdraw,
    quality_submit,
)
from .exclusions import exclusion_save, exclusions_export_log
from .meetings import (
    pep_complete,
    pep_hold,
    pep_plan,
    pep_rate,
    pep_reopen,
    target_add,
    target_change,
    target_review,
)
from .packs import transfer_pack_download_log, transfer_pack_request
from .ppplus import (
    allocation_correct,
    allocation_record,
    allocation_withdraw,
    pp_export_log,
    rate_add,
    spend_correct,
    spend_record,
    spend_withdraw,
)
from .provision import provision_save, provisions_export_log

__all__ = [
    "LINK_GONE",
    "QUALITY_ONLY_WHEN_HELD",
    "allocation_correct",
    "allocation_record",
    "allocation_withdraw",
    "contribution_decide",
    "contribution_draft_save",
    "contribution_submit",
    "exclusion_save",
    "exclusions_export_log",
    "invitation_check_code",
    "invitation_send",
    "invitation_send_code",
    "invitation_withdraw",
    "pep_complete",
    "pp_export_log",
    "pep_hold",
    "pep_plan",
    "pep_rate",
    "pep_reopen",
    "provision_save",
    "provisions_export_log",
    "quality_submit",
    "rate_add",
    "spend_correct",
    "spend_record",
    "spend_withdraw",
    "target_add",
    "target_change",
    "target_review",
    "transfer_pack_download_log",
    "transfer_pack_request",
]
