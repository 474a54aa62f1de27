"""The casework pages, one module per subject (the pages an invitation link opens are `contributors`)."""

from .casework import (
    pupil_casework,
    pupil_summary,
)
from .contributions import (
    contribution_decide,
    invitation_withdraw,
    pep_invite,
    pep_quality_request,
)
from .exclusions import (
    exclusion_add,
    exclusion_edit,
    exclusions,
    exclusions_export,
)
from .meetings import (
    grid,
    pep_add,
    pep_complete,
    pep_detail,
    pep_hold,
    pep_pdf,
    pep_rate,
    pep_reopen,
    target_add,
    target_edit,
    target_review,
)
from .packs import (
    transfer_pack,
    transfer_pack_download,
    transfer_packs,
)
from .ppplus import (
    allocation_add,
    allocation_edit,
    allocation_withdraw,
    pp_export,
    pp_pupils,
    pp_school,
    rate_add,
    spend_add,
    spend_edit,
    spend_withdraw,
)
from .provision import (
    provision_add,
    provision_edit,
    provisions,
    provisions_export,
)

__all__ = [
    "allocation_add",
    "allocation_edit",
    "allocation_withdraw",
    "contribution_decide",
    "exclusion_add",
    "exclusion_edit",
    "exclusions",
    "exclusions_export",
    "grid",
    "invitation_withdraw",
    "pep_add",
    "pep_complete",
    "pep_detail",
    "pep_hold",
    "pep_invite",
    "pep_pdf",
    "pep_quality_request",
    "pep_rate",
    "pep_reopen",
    "pp_export",
    "pp_pupils",
    "pp_school",
    "provision_add",
    "provision_edit",
    "provisions",
    "provisions_export",
    "pupil_casework",
    "pupil_summary",
    "rate_add",
    "spend_add",
    "spend_edit",
    "spend_withdraw",
    "target_add",
    "target_edit",
    "target_review",
    "transfer_pack",
    "transfer_pack_download",
    "transfer_packs",
]
