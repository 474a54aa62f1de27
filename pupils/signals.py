"""Signals other apps listen to (so the register never imports them)."""

from django.dispatch import Signal

# Sent with episode= when the DSL flags a pupil as CIN or CP, inside the saving transaction.
pupil_flagged = Signal()

# Sent with pupil_id= inside the transaction that deletes a pupil past the retention point,
# before the pupil's row goes: each app deletes the records it keeps about them (those
# protected from an accidental cascade) so the register never imports them.
pupil_erasing = Signal()
