from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "pupils"
    verbose_name = "Register"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from cwsw.audit import words_register
        from cwsw.signals import backup_restored, calendar_changed

        from . import attendance, audit_words, services, spells
        from .models import AttendanceRecord, CareEpisode, Pupil

        words_register(audit_words)
        post_save.connect(spells.episode_changed, sender=CareEpisode, dispatch_uid="category-spells-save")
        post_delete.connect(spells.episode_changed, sender=CareEpisode, dispatch_uid="category-spells-delete")
        post_save.connect(spells.dates_on_roll_changed, sender=Pupil, dispatch_uid="category-spells-pupil")
        backup_restored.connect(spells.backup_restored, dispatch_uid="category-spells-restored")
        post_save.connect(attendance.record_changed, sender=AttendanceRecord, dispatch_uid="attendance-concern-save")
        post_delete.connect(attendance.record_changed, sender=AttendanceRecord,
                            dispatch_uid="attendance-concern-delete")
        calendar_changed.connect(services.checklists_recount, dispatch_uid="transition-deadlines")
