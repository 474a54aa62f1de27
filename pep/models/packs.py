"""The transfer pack: one PDF about a leaving pupil for the next school, built in the background."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from cwsw.builds import BackgroundBuild
from pupils.models import Pupil


class TransferPack(BackgroundBuild):
    """One PDF about a leaving pupil for the next school's DT and DSL, built by a Celery task.

    Safeguarding notes go in only when the DSL or the head asks for it; only they can download
    such a pack.
    """

    noun = "pack"
    upload_dir = "transfer-packs"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="transfer_packs")
    with_safeguarding = models.BooleanField("with safeguarding notes", default=False)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Transfer pack of {self.requested_at:%-d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("pep:transfer_pack", args=[self.pk])

    @property
    def description(self) -> str:
        return "Transfer pack" + (" with safeguarding notes" if self.with_safeguarding else "")
