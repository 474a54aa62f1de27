"""Year groups and key stages, derived from the date of birth as English schools do.

A child starts Reception (year 0) in the September after their fourth birthday, so
everyone born from 1 September to 31 August is in one year group. Deriving it keeps
it right every September without an update; filters turn it into a DOB range so the
database can use an index.
"""

import datetime as dt

from cwsw.terms import academic_year_of

KEY_STAGES = {
    "EYFS": (-1, 0),
    "KS1": (1, 2),
    "KS2": (3, 6),
    "KS3": (7, 9),
    "KS4": (10, 11),
    "KS5": (12, 13),
}
YEAR_GROUPS = list(range(-1, 14))
SECONDARY_FROM_YEAR = 7  # Year 7: KS3, where GCSE grades take over from primary judgements


def year_group(date_of_birth: dt.date, as_of: dt.date) -> int:
    """Return the national curriculum year (0 = Reception, -1 = Nursery) on as_of."""
    return academic_year_of(as_of) - academic_year_of(date_of_birth) - 5


def year_group_label(year: int) -> str:
    if year == 0:
        return "Reception"
    if year == -1:
        return "Nursery"
    if year < -1:
        return "Pre-school"
    return f"Year {year}"


def key_stage(year: int) -> str | None:
    for name, (low, high) in KEY_STAGES.items():
        if low <= year <= high:
            return name
    return None


def birth_range(low_year: int, high_year: int, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """Return the dates of birth (first, last) of pupils in year groups low..high on as_of."""
    born_ay_high = academic_year_of(as_of) - high_year - 5
    born_ay_low = academic_year_of(as_of) - low_year - 5
    return dt.date(born_ay_high, 9, 1), dt.date(born_ay_low + 1, 8, 31)
