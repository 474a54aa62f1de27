from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cwsw.terms import academic_year_label
from pep.demo import seed_demo_casework, seed_demo_contributions
from pupils.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo_school
from pupils.derived import derived_rebuild_all
from pupils.models import Pupil
from reporting.demo import seed_demo_reporting, seed_demo_reports


class Command(BaseCommand):
    help = "Create a synthetic demo school and a demo user for each role."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--pupils", type=int, default=300, help="How many pupils (default 300).")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing if the register already has pupils.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for repeatable data.")
        parser.add_argument("--reports", action="store_true",
                            help="Also build the Report to Governors for the last two complete years (a few "
                                 "seconds; `make run` asks for it, the tests do not).")

    def handle(self, *args: Any, pupils: int, if_empty: bool, seed: int, reports: bool = False,
               **options: Any) -> None:
        if not 1 <= pupils <= 90000:
            raise CommandError("--pupils must be between 1 and 90,000.")
        if Pupil.objects.exists():
            if if_empty:
                self.stdout.write("The register already has pupils; demo data left as it is.")
                self._print_users()
                return
            raise CommandError("The register already has pupils. Use a new database for demo data.")
        with transaction.atomic():
            result = seed_demo_school(pupils=pupils, seed=seed)
            casework = seed_demo_casework(seed=seed)
            invitations = seed_demo_contributions()
            seed_demo_reporting(pupils=pupils, seed=seed)
            # The seeders write in bulk: every derived fact (PEP slots, what is due...) is worked out at the end.
            derived_rebuild_all()
        built = seed_demo_reports() if reports else []
        self.stdout.write(self.style.SUCCESS(
            f"Demo school created: {result.pupils} pupils, {result.in_cohort} in the cohort today; "
            f"{casework['peps']} PEPs, {casework['allocations']} PP+ allocations, "
            f"{casework['spends']} spends, {casework['exclusions']} suspensions, "
            f"{invitations} invitations to contributors from outside the school (the waiting one was e-mailed)"
            + (f"; the Report to Governors built for {', '.join(academic_year_label(y) for y in built)}." if built
               else ".")
        ))
        self._print_users()

    def _print_users(self) -> None:
        self.stdout.write(f"Demo users (password for all: {DEMO_PASSWORD}):")
        for username, _, _, roles in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {', '.join(roles)}")
