"""Signals the school-wide app sends, so apps above it can keep derived dates in step."""

from django.dispatch import Signal

# Sent inside the saving transaction when a year's term dates or closures change: every
# deadline counted in school days may have moved.
calendar_changed = Signal()
