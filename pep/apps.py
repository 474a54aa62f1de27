from typing import Any

from django.apps import AppConfig


class PepConfig(AppConfig):
    name = "pep"
    verbose_name = "Casework"

    def ready(self) -> None:
        from cwsw import roles
        from cwsw.audit import words_register
        from cwsw.backup import made_by_migrations_register
        from cwsw.failures import task_register
        from pupils.chronology import Source, source_register
        from pupils.derived import Rebuild, rebuild_register
        from pupils.due import kind_register
        from pupils.due_kinds import sdq_source_register
        from pupils.history import Section, section_register
        from pupils.signals import pupil_erasing

        from . import audit_words, chronology, due_kinds, slots
        from .models import ATTENDEES
        from .tasks import build_transfer_pack

        words_register(audit_words)
        for section in (
            Section("PEP", "pep.PepMeeting", roles.can_do_casework, lambda pk, _: {"pupil_id": pk},
                    counted_as="PEPs", list_labels={"attendees": dict(ATTENDEES)}),
            Section("PEP target", "pep.PepTarget", roles.can_do_casework,
                    lambda pk, found: {"pep_id__in": found["pep.PepMeeting"]}),
            # What the social worker, adviser, carer or child wrote, and the DT's decision on it.
            Section("Contribution from outside the school", "pep.Contribution", roles.can_do_casework,
                    lambda pk, found: {"pep_id__in": found["pep.PepMeeting"]}),
            Section("PP+ allocation", "pep.PpPlusAllocation", roles.can_do_casework,
                    lambda pk, _: {"pupil_id": pk}, counted_as="PP+ allocations"),
            Section("PP+ spend", "pep.PpPlusSpend", roles.can_do_casework,
                    lambda pk, found: {"allocation_id__in": found["pep.PpPlusAllocation"]}),
            Section("Suspension", "pep.ExclusionConsultation", roles.can_record_exclusions,
                    lambda pk, _: {"pupil_id": pk}, counted_as="Suspensions"),
            Section("Alternative provision or part-time timetable", "pep.Provision", roles.can_record_provision,
                    lambda pk, _: {"pupil_id": pk}, counted_as="Alternative provision and part-time timetables"),
        ):
            section_register(section)
        for source in (
            Source("peps", roles.can_see_social_care, chronology.peps),
            Source("exclusions", roles.can_record_exclusions, chronology.exclusions),
            Source("provisions", roles.can_record_provision, chronology.provisions),
            Source("packs", roles.can_see_social_care, chronology.packs),
            Source("packs_with_notes", roles.can_see_safeguarding_notes, chronology.packs_with_notes),
        ):
            source_register(source)
        pupil_erasing.connect(_erase_casework, dispatch_uid="pep.erase_casework")
        # The stored PEP slots follow the pupil's records (after the spells, before what is due).
        rebuild_register(Rebuild("PEP slots", 40, lambda ids, calendar: slots.slots_rebuild(ids, calendar=calendar)))
        for kind in due_kinds.KINDS:
            kind_register(kind)
        sdq_source_register(due_kinds.pep_sdq_dates)
        made_by_migrations_register("pep.ppplusrate")
        task_register(name=build_transfer_pack.name, label="Building a transfer pack")


def _erase_casework(sender: Any, pupil_id: int, **kwargs: Any) -> None:
    """Delete a pupil's PP+ and suspensions (protected from an accidental cascade) and their packs' files."""
    from .models import ExclusionConsultation, PpPlusAllocation, PpPlusSpend, Provision, TransferPack

    for pack in TransferPack.objects.filter(pupil_id=pupil_id).exclude(pdf=""):
        pack.pdf.delete(save=False)
    PpPlusSpend.objects.filter(allocation__pupil_id=pupil_id).delete()
    PpPlusAllocation.objects.filter(pupil_id=pupil_id).delete()
    ExclusionConsultation.objects.filter(pupil_id=pupil_id).delete()
    Provision.objects.filter(pupil_id=pupil_id).delete()
