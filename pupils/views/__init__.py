"""The register's pages, one module per subject."""

from .access_log import (
    access_log,
    access_log_export,
)
from .pupil import (
    episode_add,
    episode_edit,
    episode_end,
    flags_seen,
    note_add,
    pupil_add,
    pupil_detail,
    pupil_edit,
    pupil_flag,
    pupil_history,
    pupil_leave,
    transition_done,
)
from .records import (
    pupil_records,
    record_save,
)
from .register import (
    ctf_import,
    marks_import,
    pupil_export,
    pupil_find,
    pupil_import,
    pupil_list,
    pupil_search,
    records_import,
)
from .retention import (
    pupil_erase,
    retention_review,
)

__all__ = [
    "access_log",
    "access_log_export",
    "ctf_import",
    "marks_import",
    "episode_add",
    "episode_edit",
    "episode_end",
    "flags_seen",
    "note_add",
    "pupil_add",
    "pupil_detail",
    "pupil_edit",
    "pupil_erase",
    "pupil_export",
    "pupil_find",
    "pupil_flag",
    "pupil_history",
    "pupil_import",
    "pupil_leave",
    "pupil_list",
    "pupil_records",
    "pupil_search",
    "record_save",
    "records_import",
    "retention_review",
    "transition_done",
]
