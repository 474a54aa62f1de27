from reporting.suppression import suppress, suppress_counts


def test_it_hides_counts_from_one_to_five():
    assert [suppress(n) for n in (0, 1, 5, 6)] == [0, "c", "c", 6]


def test_it_follows_the_threshold_setting(settings):
    settings.SMALL_NUMBER_THRESHOLD = 9
    assert suppress(9) == "c"


def test_it_hides_a_second_cell_when_a_total_would_reveal_the_first():
    cells, total = suppress_counts({"CLA": 3, "PLA": 10, "CWSW": 20, "CWSW_PREV": 0})
    assert cells == {"CLA": "c", "PLA": "c", "CWSW": 20, "CWSW_PREV": 0}
    assert total == 33


def test_it_needs_no_second_cell_when_two_are_hidden_already():
    cells, _ = suppress_counts({"CLA": 3, "PLA": 4, "CWSW": 20, "CWSW_PREV": 30})
    assert cells == {"CLA": "c", "PLA": "c", "CWSW": 20, "CWSW_PREV": 30}


def test_it_hides_the_total_when_it_equals_the_one_hidden_cell():
    cells, total = suppress_counts({"CLA": 3, "PLA": 0, "CWSW": 0, "CWSW_PREV": 0})
    assert (cells["CLA"], total) == ("c", "c")
