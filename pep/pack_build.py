"""The transfer pack: one PDF about a leaving pupil for the next school's DT and DSL.

Gathered in a fixed number of queries, rendered by WeasyPrint through one template, built by
a Celery task (tasks.build_transfer_pack) with its progress stored on the TransferPack row.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from cwsw.builds import build_run
from cwsw.models import SchoolProfile
from cwsw.pdf import pdf_from_html
from pupils import cohort
from pupils.models import Pupil

from .models import ACCEPTED, Contribution, PpPlusAllocation, TransferPack

logger = logging.getLogger(__name__)


def pack_data(*, pupil: Pupil, with_safeguarding: bool, today: dt.date,
              progress: Any = lambda percent, stage: None) -> dict[str, Any]:
    """Everything the pack prints about one pupil."""
    progress(10, "Reading the record")
    episodes = list(pupil.episodes.all())
    # The category on the last day on roll for a leaver, else today.
    as_of = min(today, pupil.leaving_date - dt.timedelta(days=1)) if pupil.leaving_date else today
    category = cohort.category_from_episodes(episodes, as_of)
    plan = cohort.plan_from_episodes(episodes, as_of)
    progress(30, "PEPs and targets")
    peps = list(
        pupil.peps.order_by("-meeting_date", "-id").prefetch_related(
            "targets", Prefetch("contributions", queryset=Contribution.objects.filter(status=ACCEPTED)
                                .select_related("invitation"), to_attr="accepted"))
    )
    progress(50, "PP+, suspensions, attendance and attainment")
    allocations = list(PpPlusAllocation.objects.live().filter(pupil=pupil).with_spent().order_by("-financial_year"))
    data = {
        "school": SchoolProfile.load(),
        "pupil": pupil,
        "today": today,
        "as_of": as_of,
        "category_label": cohort.category_label(category, plan) if category else cohort.NOT_IN_COHORT_LABEL,
        "episodes": episodes,
        "social_workers": sorted({(e.social_worker_name, e.social_worker_contact, e.responsible_authority)
                                  for e in episodes if e.social_worker_name or e.social_worker_contact}),
        "peps": peps,
        "allocations": allocations,
        "exclusions": list(pupil.exclusions.order_by("-incident_date")),
        "attendance": list(pupil.attendance_records.order_by("-academic_year", "-term")),
        "attainment": list(pupil.attainment_records.order_by("-academic_year", "-term")),
        "grades": list(pupil.subject_grades.order_by("-academic_year", "-term", "subject")),
        "checklist": list(pupil.transition_items.select_related("done_by")),
        "with_safeguarding": with_safeguarding,
    }
    if with_safeguarding:
        data["notes"] = list(pupil.safeguarding_notes.select_related("written_by").order_by("written_at"))
    return data


def pack_html(data: dict[str, Any]) -> str:
    return render_to_string("pep/transfer_pack_pdf.html", data)


def pack_build(*, pack_id: int, on_failure_final: bool = True, today: dt.date | None = None) -> str:
    """Build the PDF of a queued pack; a pack already built is not built again."""

    def make(pack: TransferPack, progress: Any) -> tuple[str, bytes]:
        data = pack_data(pupil=pack.pupil, with_safeguarding=pack.with_safeguarding,
                         today=today or timezone.localdate(), progress=progress)
        progress(75, "Drawing the PDF")
        return f"transfer-pack-{pack.pupil_id}-{pack.pk}.pdf", pdf_from_html(pack_html(data))

    return build_run(TransferPack, pack_id, make=make, on_failure_final=on_failure_final, related=("pupil",))
