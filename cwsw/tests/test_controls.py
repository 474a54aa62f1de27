"""The filter bars' controls drawn in Python, and the |day filter: the same markup and words as Django's."""

import datetime as dt
import zoneinfo

import pytest
from django import forms
from django.template import Context, Template
from django.template.defaultfilters import date as django_date

from cwsw.templatetags.plain import day
from cwsw.widgets import FilterCheckbox, FilterDate, FilterSelect, FilterText, FilterYesNo


@pytest.mark.parametrize("month", range(1, 13))
def test_day_says_what_djangos_date_filter_says(month):
    value = dt.date(2025, month, 3)
    assert day(value) == django_date(value, "j M Y") == f"3 {value:%b} 2025"


def test_day_gives_a_date_and_time_its_day_in_the_schools_time_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    late_evening_in_summer = dt.datetime(2025, 6, 30, 23, 30, tzinfo=dt.UTC)  # 00:30 on 1 July in London
    assert Template("{{ at|day }}").render(Context({"at": late_evening_in_summer})) == "1 Jul 2025"
    assert day(late_evening_in_summer.astimezone(zoneinfo.ZoneInfo("UTC"))) == "1 Jul 2025"
    assert day(None) == "" and day("") == ""


class Filters(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any"), ("a", "A & <b>"), ("b", "B")], required=False,
                             widget=FilterSelect)
    fsm = forms.NullBooleanField(required=False, widget=FilterYesNo)
    q = forms.CharField(required=False, widget=FilterText)
    since = forms.DateField(required=False, widget=FilterDate)
    leavers = forms.BooleanField(required=False, widget=FilterCheckbox)


def test_the_controls_show_what_was_chosen_escaped_and_read_it_back():
    form = Filters({"kind": "a", "fsm": "false", "q": '"><script>', "since": "2025-11-03", "leavers": "on"})
    assert form.is_valid()
    assert form.cleaned_data == {"kind": "a", "fsm": False, "q": '"><script>', "since": dt.date(2025, 11, 3),
                                 "leavers": True}
    html = {name: str(form[name]) for name in form.fields}
    assert '<option value="a" selected>A &amp; &lt;b&gt;</option>' in html["kind"]
    assert '<option value="b">' in html["kind"] and 'class="form-select"' in html["kind"]
    assert '<option value="false" selected>No</option>' in html["fsm"]
    assert 'value="&quot;&gt;&lt;script&gt;"' in html["q"] and 'type="search"' in html["q"]
    assert 'type="date"' in html["since"] and 'value="2025-11-03"' in html["since"]
    assert "checked" in html["leavers"] and 'id="id_leavers"' in html["leavers"]


def test_the_controls_left_empty_choose_nothing():
    form = Filters({})
    assert form.is_valid()
    assert " selected" not in str(form["kind"]).split("</option>", 1)[1]  # only the first (empty) could be
    assert "checked" not in str(form["leavers"]) and "value=" not in str(form["q"])
    assert '<option value="" selected>Any</option>' in str(form["fsm"])
