"""Signals the school-wide app sends, so apps above it can keep derived dates in step."""

from django.dispatch import Signal

# Sent inside the saving transaction when a year's term dates or closures change: every
# deadline counted in school days may have moved.
calendar_changed = Signal()

# Sent inside the restore's transaction once a backup's rows are loaded: an app fills in what a backup made
# by an earlier version does not carry (data derived from the rows it does).
backup_restored = Signal()
