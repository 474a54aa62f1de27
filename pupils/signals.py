"""Signals other apps listen to (so the register never imports them)."""

from django.dispatch import Signal

# Sent with episode= when the DSL flags a pupil as CIN or CP, inside the saving transaction.
pupil_flagged = Signal()
