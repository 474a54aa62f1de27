"""Reads the casework pages share, one module per subject; each in a fixed number of queries."""

from .contributions import (
    OutsideParts,
    outside_parts,
    social_worker_on_record,
)
from .exclusions import (
    ExclusionRow,
    exclusion_rows,
    exclusions_in_year,
    pupil_exclusions,
)
from .meetings import (
    GRID_COUNTS,
    LATER,
    MISSED,
    NOT_NEEDED,
    OVERDUE,
    Grid,
    GridRow,
    PupilPeps,
    PupilRef,
    compliance_grid,
    peps_due_now,
    pupil_peps,
    term_counts,
)
from .ppplus import (
    PUPIL_ORDERS,
    PpSummary,
    pp_pupils,
    pp_summary,
    pupil_allocations,
)
from .provision import (
    ENDED_SHOWN,
    provisions_overview,
    pupil_provisions,
    with_categories,
)

__all__ = [
    "ENDED_SHOWN",
    "ExclusionRow",
    "GRID_COUNTS",
    "Grid",
    "GridRow",
    "LATER",
    "MISSED",
    "NOT_NEEDED",
    "OVERDUE",
    "OutsideParts",
    "PpSummary",
    "PupilPeps",
    "PupilRef",
    "compliance_grid",
    "exclusion_rows",
    "exclusions_in_year",
    "outside_parts",
    "social_worker_on_record",
    "peps_due_now",
    "PUPIL_ORDERS",
    "pp_pupils",
    "pp_summary",
    "provisions_overview",
    "pupil_allocations",
    "pupil_exclusions",
    "pupil_peps",
    "pupil_provisions",
    "term_counts",
    "with_categories",
]
