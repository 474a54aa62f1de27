"""Unique Pupil Number (UPN) validation, following the DfE's check-letter rule."""

import re

from django.core.exceptions import ValidationError

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S
# A letter in the last place (a temporary UPN) counts as its position in this table.
_FORMAT = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def upn_check_letter(upn_without_check: str) -> str:
    """Return the check letter for the 12 characters that follow it."""
    total = 0
    for weight, char in enumerate(upn_without_check, start=2):
        value = CHECK_LETTERS.index(char) if char.isalpha() else int(char)
        total += value * weight
    return CHECK_LETTERS[total % 23]


def validate_upn(value: str) -> None:
    """Raise ValidationError, saying which rule failed, unless value is a valid UPN."""
    upn = (value or "").strip().upper()
    if len(upn) != 13:
        raise ValidationError(
            "A UPN has 13 characters; this one has %(n)d.", code="upn_length", params={"n": len(upn)}
        )
    if not _FORMAT.match(upn):
        if not upn[0].isalpha():
            message = "A UPN starts with a check letter."
        elif not upn[1:12].isdigit():
            message = ("Characters 2 to 12 of a UPN are digits "
                       "(LA code, establishment number, year and serial).")
        else:
            message = "The last character of a UPN is a digit, or a letter for a temporary UPN."
        raise ValidationError(message, code="upn_format")
    if upn[12].isalpha() and upn[12] not in CHECK_LETTERS:
        raise ValidationError(
            "A temporary UPN cannot end in I, O or S.", code="upn_temporary_letter"
        )
    expected = upn_check_letter(upn[1:])
    if upn[0] != expected:
        raise ValidationError(
            "The check letter is wrong: for these digits it should be %(expected)s.",
            code="upn_check_letter",
            params={"expected": expected},
        )
