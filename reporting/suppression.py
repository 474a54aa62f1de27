"""Small-number suppression for anything a governor reads: no arithmetic can undo it.

Counts from 1 to the threshold are shown as "c". Figures that add up to others (a table's
rows and columns, and tables that share a total, such as the cohort by category and by key
stage) are linked; then more cells are hidden until no hidden count can be worked out
from the others: first so that no sum has exactly one hidden part, then, exactly, until
an integer program (HiGHS, through scipy) finds at least two possible values for every
hidden count, counting each "c" as anything from 0 to the totals it is part of (a reader
cannot tell a small count from one hidden to protect it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class Linked:
    """Counts a reader sees together, and how they add up: suppressed as one."""

    values: dict[str, int] = field(default_factory=dict)
    sums: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    at_most: list[tuple[str, str]] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)

    def count(self, name: str, value: int) -> str:
        self.values[name] = value
        return name

    def total(self, name: str, parts: list[str]) -> str:
        """A count that is the sum of others (it may already be a count: then the sum must match)."""
        value = sum(self.values[p] for p in parts)
        if name in self.values and self.values[name] != value:
            raise ValueError(f"{name} is {self.values[name]}, but its parts add up to {value}")
        self.values[name] = value
        self.sums.append((name, tuple(parts)))
        return name

    def subset(self, part: str, whole: str) -> None:
        """A reader knows `part` is at most `whole` (pupils with an EHC plan, of those looked after)."""
        self.at_most.append((part, whole))

    def shown(self, name: str) -> int | str:
        return SUPPRESSED if name in self.hidden else self.values[name]

    def suppress(self) -> Linked:
        self.hidden = {n for n, v in self.values.items() if is_small(v)}
        while True:
            if self._protect_lone_cells():
                continue
            leak = next((n for n in sorted(self.hidden) if self._determined(n)), None)
            if leak is None:
                return self
            self._hide_beside(leak)

    def _protect_lone_cells(self) -> bool:
        """Where a sum has exactly one hidden figure, hide one more (the smallest shown part)."""
        for total, parts in self.sums:
            group = (total, *parts)
            if sum(1 for n in group if n in self.hidden) == 1:
                self._hide_smallest(group)
                return True
        return False

    def _hide_smallest(self, group: tuple[str, ...]) -> None:
        """Hide the smallest shown part that is not zero; failing that, the total, or else a zero."""
        total, *parts = group
        shown = sorted((self.values[p], p) for p in parts if p not in self.hidden)
        nonzero = [name for value, name in shown if value]
        if nonzero:
            self.hidden.add(nonzero[0])
        elif total not in self.hidden:
            self.hidden.add(total)
        else:
            self.hidden.add(shown[0][1])

    def _hide_beside(self, name: str) -> None:
        """A hidden figure can still be worked out: hide another figure of a sum it is in."""
        for total, parts in self.sums:
            group = (total, *parts)
            if name in group and any(n not in self.hidden for n in group):
                self._hide_smallest(group)
                return
        for part, whole in self.at_most:
            if name == part and whole not in self.hidden:
                self.hidden.add(whole)
                return
        raise RuntimeError(f"{name} cannot be protected")  # every figure of its sums is hidden already

    def upper_bound(self, name: str) -> int:
        """The most a reader could think a hidden figure is: the smallest shown total it is part of."""
        totals = [self.values[t] for t, parts in self.sums if name in parts and t not in self.hidden]
        totals += [self.values[w] for p, w in self.at_most if p == name and w not in self.hidden]
        return min(totals) if totals else sum(v for n, v in self.values.items() if n not in self.hidden) + threshold()

    def _determined(self, name: str) -> bool:
        low, high = possible_range(self, name)
        return low == high


def possible_range(linked: Linked, name: str) -> tuple[int, int]:
    """The least and greatest value a reader could find for a hidden figure (integer programming)."""
    # Imported here, not at start-up: only a report or a governor's dashboard with hidden cells needs them.
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    unknowns = sorted(linked.hidden)
    index = {n: i for i, n in enumerate(unknowns)}
    rows, low, high = [], [], []
    for total, parts in linked.sums:
        row = np.zeros(len(unknowns))
        known = 0
        for n, sign in [(total, -1), *[(p, 1) for p in parts]]:
            if n in index:
                row[index[n]] += sign
            else:
                known += sign * linked.values[n]
        if row.any():
            rows.append(row)
            low.append(-known)
            high.append(-known)
    for part, whole in linked.at_most:
        row = np.zeros(len(unknowns))
        known = 0
        if part in index:
            row[index[part]] += 1
        else:
            known += linked.values[part]
        if whole in index:
            row[index[whole]] -= 1
        else:
            known -= linked.values[whole]
        if row.any():
            rows.append(row)
            low.append(-np.inf)
            high.append(-known)
    bounds = Bounds([0] * len(unknowns), [linked.upper_bound(n) for n in unknowns])
    constraints = [LinearConstraint(np.array(rows), low, high)] if rows else []
    found = []
    for sign in (1, -1):
        objective = np.zeros(len(unknowns))
        objective[index[name]] = sign
        result = milp(objective, constraints=constraints, integrality=np.ones(len(unknowns)), bounds=bounds)
        found.append(round(result.x[index[name]]) if result.success else linked.values[name])
    return found[0], found[1]


def suppress_counts(counts: dict[str, int]) -> tuple[dict[str, int | str], int | str]:
    """Return one table's cells and their total, suppressed so the total gives nothing away."""
    linked = Linked()
    for key, value in counts.items():
        linked.count(f"cell:{key}", value)
    linked.total("total", [f"cell:{key}" for key in counts])
    linked.suppress()
    return {key: linked.shown(f"cell:{key}") for key in counts}, linked.shown("total")
