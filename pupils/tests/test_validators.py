import pytest
from django.core.exceptions import ValidationError

from pupils.demo import make_upn
from pupils.validators import upn_check_letter, validate_upn


def messages_for(value):
    with pytest.raises(ValidationError) as error:
        validate_upn(value)
    return " ".join(error.value.messages)


def test_it_accepts_the_design_example():
    validate_upn("B801200005001")


def test_it_accepts_lower_case_and_surrounding_spaces():
    validate_upn(" b801200005001 ")


def test_it_accepts_a_temporary_upn_ending_in_a_letter():
    # Worked by hand: 8x2 + 1x4 + 2x5 + 5x10 + A(0)x13 = 80; 80 mod 23 = 11, the 12th letter: M.
    validate_upn("M80120000500A")


def test_it_refuses_a_temporary_upn_with_the_wrong_check_letter():
    assert "should be M" in messages_for("N80120000500A")


def test_it_counts_a_final_letter_by_its_table_value():
    # A counts 0 and B counts 1 at weight 13, so their check letters differ by 13 places.
    assert upn_check_letter("80120000500A") != upn_check_letter("80120000500B")
    assert upn_check_letter("80120000500A") == upn_check_letter("801200005000")


def test_it_says_when_the_length_is_wrong():
    assert "13 characters; this one has 12" in messages_for("B80120000500")


def test_it_says_when_the_check_letter_is_wrong():
    assert "should be B" in messages_for("C801200005001")


def test_it_says_when_the_first_character_is_not_a_letter():
    assert "starts with a check letter" in messages_for("1801200005001")


def test_it_says_when_the_middle_is_not_digits():
    assert "Characters 2 to 12" in messages_for("B8012000X5001")


def test_it_refuses_a_temporary_upn_ending_in_i_o_or_s():
    assert "cannot end in I, O or S" in messages_for("B80120000500O")


def test_it_refuses_punctuation_at_the_end():
    assert "last character" in messages_for("B80120000500-")


def test_it_refuses_empty_input():
    assert "has 0" in messages_for("")


def test_it_makes_valid_demo_upns():
    for serial in (0, 999, 1000, 89999):
        validate_upn(make_upn(serial))
