"""Small-number suppression for anything a governor reads.

Counts from 1 to the threshold are shown as "c". Where a total is shown and only
one cell in it is suppressed, the next smallest cell is suppressed as well, so the
hidden number cannot be worked out by subtraction.
"""

from django.conf import settings

SUPPRESSED = "c"


def threshold() -> int:
    return settings.SMALL_NUMBER_THRESHOLD


def suppress(count: int) -> int | str:
    return SUPPRESSED if 1 <= count <= threshold() else count


def suppress_counts(counts: dict[str, int]) -> tuple[dict[str, int | str], int | str]:
    """Return the cells and their total, with primary and secondary suppression."""
    shown: dict[str, int | str] = {k: suppress(v) for k, v in counts.items()}
    total = sum(counts.values())
    hidden = [k for k, v in shown.items() if v == SUPPRESSED]
    if len(hidden) == 1:
        candidates = sorted((v, k) for k, v in counts.items() if k not in hidden and v > 0)
        if candidates:
            shown[candidates[0][1]] = SUPPRESSED
        else:
            # The total would equal the one hidden cell.
            return shown, SUPPRESSED
    return shown, suppress(total)
