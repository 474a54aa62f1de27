from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "pupils"
    verbose_name = "Register"

    def ready(self) -> None:
        from cwsw.audit import words_register
        from cwsw.signals import backup_restored, calendar_changed

        from . import attendance, audit_words, checklists, due, due_kinds, spells, tasks
        from .derived import Rebuild, rebuild_register

        words_register(audit_words)
        # What derives from a pupil's records, in the order each is built from the one before (pupils.derived).
        rebuild_register(Rebuild("category spells", 10, lambda ids, calendar: spells.spells_rebuild(ids)))
        rebuild_register(Rebuild("attendance concerns", 20, lambda ids, calendar: attendance.concerns_sync(ids)))
        rebuild_register(Rebuild("joining and leaving checklists", 30, checklists.checklists_rebuild))
        rebuild_register(Rebuild("what is due", 90, lambda ids, calendar: due.due_rebuild(ids, calendar=calendar)))
        for kind in due_kinds.KINDS:
            due.kind_register(kind)
        # New term dates, or settings that count school days: every pupil's derived facts, once committed.
        calendar_changed.connect(tasks.derived_rebuild_queue, dispatch_uid="pupils.derived-after-calendar")
        backup_restored.connect(tasks.derived_rebuild_restored, dispatch_uid="pupils.derived-after-restore")
