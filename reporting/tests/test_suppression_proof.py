"""No hidden count in the Report to Governors can be worked out from the other figures.

The test reads the report as a governor would: every "c" is an unknown whole number from 0
to the totals it is part of (a small count, or one hidden to protect another: the reader
cannot tell which). From the printed tables it writes down every sum and every "part of"
a reader could use, then, for each unknown, finds its least and greatest possible value
by integer programming. A hidden count with only one possible value is a leak.
"""

import datetime as dt
import io

import numpy as np
import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from pupils.models import Pupil
from pupils.tests.factories import CareEpisodeFactory, PupilFactory
from reporting import figures

pytestmark = pytest.mark.django_db
C = "c"


class Reader:
    """What a governor can write down from the printed figures."""

    def __init__(self):
        self.cells, self.sums, self.at_most = {}, [], []

    def cell(self, name, shown):
        self.cells[name] = shown
        return name

    def leaks(self):
        unknown = sorted(n for n, v in self.cells.items() if v == C)
        if not unknown:
            return []
        index = {n: i for i, n in enumerate(unknown)}
        shown_total = sum(v for v in self.cells.values() if v != C)
        upper = {n: shown_total + 5 for n in unknown}
        rows, low, high = [], [], []
        for total, parts in self.sums:
            for n in parts:  # a part is at most its total, when the total is printed
                if n in index and self.cells[total] != C:
                    upper[n] = min(upper[n], self.cells[total])
            row, known = np.zeros(len(unknown)), 0
            for n, sign in [(total, -1), *[(p, 1) for p in parts]]:
                if n in index:
                    row[index[n]] += sign
                else:
                    known += sign * self.cells[n]
            if row.any():
                rows.append(row)
                low.append(-known)
                high.append(-known)
        for part, whole in self.at_most:
            if part in index and self.cells[whole] != C:
                upper[part] = min(upper[part], self.cells[whole])
            row, known = np.zeros(len(unknown)), 0
            for n, sign in ((part, 1), (whole, -1)):
                if n in index:
                    row[index[n]] += sign
                else:
                    known += sign * self.cells[n]
            if row.any():
                rows.append(row)
                low.append(-np.inf)
                high.append(-known)
        constraints = [LinearConstraint(np.array(rows), low, high)] if rows else []
        bounds = Bounds(np.zeros(len(unknown)), np.array([upper[n] for n in unknown]))
        found = []
        for name in unknown:
            ends = []
            for sign in (1, -1):
                objective = np.zeros(len(unknown))
                objective[index[name]] = sign
                result = milp(objective, constraints=constraints, integrality=np.ones(len(unknown)), bounds=bounds)
                assert result.success, result.message
                ends.append(round(result.x[index[name]]))
            if ends[0] == ends[1]:
                found.append((name, ends[0]))
        return found


def read(data) -> Reader:
    """Write down the report's counts and how they add up, as printed."""
    r = Reader()
    cohort = data["cohort"]
    categories = [r.cell(f"cohort {label}", n) for label, n in cohort["cells"]]
    r.cell("cohort total", cohort["total"])
    r.sums.append(("cohort total", categories))
    stage_totals = []
    columns = [[] for _ in categories]
    for stage, cells, total in cohort["stages"]:
        names = [r.cell(f"{stage} {i}", n) for i, n in enumerate(cells)]
        stage_totals.append(r.cell(f"{stage} total", total))
        r.sums.append((stage_totals[-1], names))
        for column, name in zip(columns, names, strict=True):
            column.append(name)
    if cohort["stages"]:
        r.sums += [(category, column) for category, column in zip(categories, columns, strict=True)]
        r.sums.append(("cohort total", stage_totals))
    for category, (_, sen, ehc, fsm) in zip(categories, cohort["overlap"], strict=True):
        r.at_most += [(r.cell(f"{category} sen", sen), category), (r.cell(f"{category} ehc", ehc), f"{category} sen"),
                      (r.cell(f"{category} fsm", fsm), category)]
    children = r.cell("looked-after children", data["peps"]["children"])
    r.sums.append((children, [categories[0]]))  # the same children as the looked-after count
    for term, *counts, total in data["peps"]["terms"]:
        names = [r.cell(f"{term} {i}", n) for i, n in enumerate(counts)]
        r.sums.append((r.cell(f"{term} due", total), names))
        r.at_most.append((f"{term} due", children))
    for label, n in data["peps"]["ratings"]:
        r.cell(f"rating {label}", n)
    with_impact, spends = data["pp"]["impact"]
    r.at_most.append((r.cell("impact", with_impact), r.cell("spends", spends)))
    r.cell("pp pupils", data["pp"]["pupils"])
    r.at_most.append((r.cell("attendance pupils", data["attendance"]["pupils"]), "cohort total"))
    r.at_most += [(r.cell("suspended pupils", data["exclusions"]["pupils"]), r.cell("suspensions",
                                                                                    data["exclusions"]["suspensions"])),
                  ("suspended pupils", "cohort total")]
    r.cell("permanent", data["exclusions"]["permanent"])
    for stage, measure, n, _, _ in data["attainment"]["rows"]:
        r.at_most.append((r.cell(f"{stage} {measure}", n), "cohort total"))
    for label, pupils, overdue, unagreed in data["provision"]["rows"]:
        r.at_most.append((r.cell(f"{label} pupils", pupils), "cohort total"))
        r.at_most += [(r.cell(f"{label} overdue", overdue), f"{label} pupils"),
                      (r.cell(f"{label} unagreed", unagreed), f"{label} pupils")]
    joined = r.cell("joined", data["transitions"]["joined"])
    r.at_most.append((joined, "cohort total"))
    left = r.cell("left", data["transitions"]["left"])
    r.sums.append((left, [r.cell(f"left {label}", n) for label, n in data["transitions"]["reasons"]]))
    r.at_most.append((left, "cohort total"))
    steps = [r.cell(f"steps {i}", n) for i, n in enumerate(data["transitions"]["steps"])]
    r.sums.append((r.cell("steps", data["transitions"]["steps_total"]), steps))
    return r


def test_it_leaks_no_hidden_count_in_the_demo_schools_report(time_machine):
    time_machine.move_to("2026-02-10 12:00")
    call_command("seed_demo", pupils=400, stdout=io.StringIO())
    data = figures.report_data(academic_year=2025, today=dt.date(2026, 2, 10))
    reader = read(data)
    assert C in reader.cells.values()  # something is hidden, so the check has work to do
    assert reader.leaks() == []


def test_it_leaks_nothing_in_the_case_the_old_report_gave_away():
    """PLA 6, 6 and c by key stage with a total of 15 used to give KS5 PLA = 3."""
    for year_of_birth, n in ((2016, 6), (2012, 6), (2008, 3)):
        for _ in range(n):
            CareEpisodeFactory(kind="PLA", start_date=dt.date(2019, 1, 7),
                               pupil__date_of_birth=dt.date(year_of_birth, 1, 10))
    for _ in range(20):
        CareEpisodeFactory(kind="CIN", pupil__date_of_birth=dt.date(2012, 1, 10))
    data = figures.report_data(academic_year=2025, today=dt.date(2026, 2, 10))
    assert read(data).leaks() == []


SCHOOL = st.lists(
    st.tuples(st.sampled_from(["CLA", "PLA", "CIN", "CP", "ended", None]),
              st.integers(min_value=2007, max_value=2021),  # year of birth: Reception to Year 13
              st.sampled_from(["N", "K", "E"]), st.booleans()),
    min_size=1, max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(school=SCHOOL)
def test_it_leaks_no_hidden_count_in_tiny_and_skewed_schools(school):
    try:
        for kind, born, sen, fsm in school:
            pupil = PupilFactory(date_of_birth=dt.date(born, 3, 1), sen_status=sen, fsm_eligible=fsm)
            if kind == "ended":
                CareEpisodeFactory(pupil=pupil, kind="CIN", start_date=dt.date(2022, 1, 10),
                                   end_date=dt.date(2023, 1, 10))
            elif kind:
                CareEpisodeFactory(pupil=pupil, kind=kind, start_date=dt.date(2024, 1, 8))
        data = figures.report_data(academic_year=2025, today=dt.date(2026, 2, 10))
        assert read(data).leaks() == []
    finally:
        Pupil.objects.all().delete()
