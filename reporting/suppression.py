"""Small-number suppression for anything a governor reads.

Counts from 1 to the threshold are shown as "c". Where a total is shown and only
one cell in it is suppressed, the next smallest cell is suppressed as well, so the
hidden number cannot be worked out by subtraction.
"""

from decimal import Decimal

from django.conf import settings

SUPPRESSED = "c"


def threshold() -> int:
    return settings.SMALL_NUMBER_THRESHOLD


def is_small(count: int) -> bool:
    """A count from 1 to the threshold: small enough to point at a child."""
    return 1 <= count <= threshold()


def more_than_threshold(count: int) -> bool:
    """Enough children that a figure about them (money, a rate) may be shown."""
    return count > threshold()


def suppress(count: int) -> int | str:
    return SUPPRESSED if is_small(count) else count


def suppress_percentage(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | str | None:
    """A percentage, or "c" where either number is small enough to identify a child."""
    if not denominator:
        return None
    if is_small(denominator) or (isinstance(numerator, int) and is_small(numerator)):
        return SUPPRESSED
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))


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
