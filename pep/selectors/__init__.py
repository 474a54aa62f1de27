"""Reads the casework pages share, one module per subject; each in a fixed number of queries."""

from .contributions import (
    OutsideParts,
    outside_parts,
)
from .exclusions import (
    ExclusionRow,
    exclusion_rows,
    exclusions_in_year,
    pupil_exclusions,
)
from .meetings import (
    Grid,
    GridRow,
    PepRef,
    PupilRef,
    compliance_grid,
    grid_rows,
    named,
    named_rows,
    overdue_peps,
    peps_due,
    pupil_overdue,
    pupil_slots,
    term_counts,
)
from .ppplus import (
    PpSummary,
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
    "Grid",
    "GridRow",
    "OutsideParts",
    "PepRef",
    "PpSummary",
    "PupilRef",
    "compliance_grid",
    "exclusion_rows",
    "exclusions_in_year",
    "grid_rows",
    "named",
    "named_rows",
    "outside_parts",
    "overdue_peps",
    "peps_due",
    "pp_summary",
    "provisions_overview",
    "pupil_allocations",
    "pupil_exclusions",
    "pupil_overdue",
    "pupil_provisions",
    "pupil_slots",
    "term_counts",
    "with_categories",
]
