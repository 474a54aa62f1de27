"""Time the main pages, the reminder sweep and the report as ratios to the framework floor.

Run it on a seeded school (`seed_demo --pupils 10000`). Every page is timed interleaved with
the floor (`cwsw:floor`, a signed-in page with the base template and no data) in the same run,
so the ratios hold on any machine; DESIGN.md "Performance budgets" gives the limits.
"""

import statistics
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwsw import roles
from cwsw.pdf import pdf_from_html
from cwsw.terms import academic_year_of
from pep.models import HELD, PepMeeting
from pupils import cohort
from pupils.models import Pupil
from reporting.figures import report_data
from reporting.pdf import report_html
from reporting.tasks import send_reminder_digests

# (user, label, URL name, the URL's argument, query string, budget as a multiple of the floor)
PAGES = [
    ("dt", "register, first page", "pupils:list", None, "", 3),
    ("dt", "register, filtered", "pupils:list", None, "?category=CLA&key_stage=KS4&ordering=-dob", 3),
    ("dt", "PEP compliance grid", "pep:grid", None, "", 3),
    ("head", "suspensions", "pep:exclusions", None, "", 3),
    ("head", "access log", "pupils:access_log", None, "", 3),
    ("dt", "due: PEPs", "reporting:due_list", "peps_due", "", 3),
    ("dt", "due: attendance", "reporting:due_list", "attendance", "", 3),
    ("dt", "pupil page", "pupils:detail", "pupil", "", 2),
    ("dt", "pupil casework", "pep:pupil", "pupil", "", 2),
    ("dt", "PEP page, planned", "pep:pep_detail", "pep", "", 2),
    # The PEP a DT opens most: held, with targets (the demo's held PEP has no previous PEP to review).
    ("dt", "PEP page, held", "pep:pep_detail", "held_pep", "", 2),
    ("dt", "PP+ school summary", "pep:pp_school", None, "", 2),
    ("dt", "PP+ per pupil", "pep:pp_pupils", None, "", 3),
    ("dt", "dashboard (DT)", "dashboard", None, "", 2.5),
    ("head", "dashboard (head)", "dashboard", None, "", 2.5),
    ("dsl", "dashboard (DSL)", "dashboard", None, "", 2.5),
    ("governor", "dashboard (governor)", "dashboard", None, "", 2.5),
]
SWEEP_USERS = 30
SWEEP_BUDGET_SECONDS = 1.0
REPORT_BUDGET = 1.3


def _keeping(statements: list[tuple[str, Any, bool]]) -> Any:
    """A database wrapper that notes each statement a request runs, with its parameters."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if many:
            params = list(params)  # an executemany's rows may come from an iterator, read once
        statements.append((sql, params, many))
        return execute(sql, params, many, context)

    return wrapper


def _sql_alone(statements: list[tuple[str, Any, bool]]) -> float:
    """Milliseconds the database takes to run a page's statements again on their own, rows fetched, in a
    transaction rolled back after: the one write a page that is read makes, the access log's, is not kept
    twice. What is left of the page's time is Django's and ours (building the queries, the rows into
    objects, the template, the middleware)."""
    took = 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params, many in statements:
            if sql.split(None, 1)[0].upper() in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
                continue  # the page's own transactions: this one holds them all
            start = time.perf_counter()
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
            if cursor.description:
                cursor.fetchall()
            took += time.perf_counter() - start
        transaction.set_rollback(True)
    return took * 1000


class Command(BaseCommand):
    help = "Time the pages, the reminder sweep and the Report to Governors against the framework floor."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--runs", type=int, default=20, help="Timings per page (the median is shown).")
        parser.add_argument("--report-runs", type=int, default=3, help="Builds of the report (the median).")
        parser.add_argument("--check", action="store_true", help="Fail if any figure is over its budget.")
        parser.add_argument("--only", action="append", default=[], metavar="WORDS",
                            help="Time only the pages whose label holds these words (repeatable); with it the "
                                 "sweep and the report are left out.")

    @override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False,
                       EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    def handle(self, *args: Any, runs: int, report_runs: int, check: bool, only: list[str], **options: Any) -> None:
        names = sorted({user for user, *_ in PAGES})
        users = get_user_model().objects.in_bulk(names, field_name="username")
        if len(users) < len(names) or not Pupil.objects.exists():
            raise CommandError("Run seed_demo first (e.g. seed_demo --pupils 10000).")
        pupil = Pupil.objects.on_roll().with_category().filter(category=cohort.CLA).first()
        pep = PepMeeting.objects.filter(pupil=pupil).first() or PepMeeting.objects.first()
        held = PepMeeting.objects.filter(status=HELD, targets__isnull=False).order_by("pk").first() or pep
        args = {None: [], "pupil": [pupil.pk], "pep": [pep.pk], "held_pep": [held.pk], "peps_due": ["peps_due"],
                "attendance": ["attendance"]}
        pages = [(user, label, reverse(name, args=args[arg]) + query, budget)
                 for user, label, name, arg, query, budget in PAGES
                 if not only or any(words in label for words in only)]
        self.stdout.write(f"{Pupil.objects.count()} pupils, {Pupil.objects.in_cohort().count()} in the cohort; "
                          f"median of {runs} runs, each page timed next to the floor")
        over = []
        made = []
        try:
            clients = {name: self._signed_in(user, made) for name, user in users.items()}
            over += self._pages(pages, clients, runs)
        finally:
            for device in made:
                device.delete()
        if not only:
            over += self._sweep()
            over += self._report(report_runs)
        if over:
            message = "Over budget: " + ", ".join(over)
            if check:
                raise CommandError(message)
            self.stdout.write(message)

    @staticmethod
    def _signed_in(user: Any, made: list) -> Client:
        """A client signed in as the user, past the two-factor code: with the user's own app, or
        with an app made for the run and removed after it (the user's own set-up is left alone)."""
        client = Client()
        client.force_login(user)
        if roles.requires_two_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="benchmark (removed after the run)")
                made.append(device)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    def _pages(self, pages: list[tuple[str, str, str, float]], clients: dict[str, Client], runs: int) -> list[str]:
        floor, table_floor = reverse("floor"), reverse("table_floor")
        timings: dict[tuple[str, str], list[float]] = {}
        queries: dict[str, int] = {}
        sql_ms: dict[str, float] = {}

        def timed(username: str, key: str, url: str) -> None:
            start = time.perf_counter()
            response = clients[username].get(url)
            timings.setdefault((username, key), []).append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{key} as {username}: status {response.status_code}")

        for username in clients:  # warm up: templates, URL resolvers, the calendar
            clients[username].get(floor)
            clients[username].get(table_floor)
        for username, label, url, _budget in pages:
            clients[username].get(url)
            # Queries are counted on a second request, untimed: capturing them costs each query time (on
            # SQLite an extra query to quote its parameters), which would weigh on the pages that run the most.
            statements: list[tuple[str, Any, bool]] = []
            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(_keeping(statements)):
                clients[username].get(url)
            queries[label] = len(captured)
            sql_ms[label] = statistics.median(_sql_alone(statements) for _ in range(min(runs, 5)))
        for _ in range(runs):
            for username, label, url, _ in pages:
                timed(username, "floor", floor)
                timed(username, label, url)
                timed(username, "table floor", table_floor)
        self.stdout.write(f"  {'page':<24} {'ms':>7} {'floor':>7} {'table':>7} {'ratio':>6} {'/table':>6} "
                          f"{'budget':>6} {'queries':>7} {'SQL ms':>7}")
        over = []
        for username, label, _, budget in pages:
            page_ms = statistics.median(timings[(username, label)])
            floor_ms = statistics.median(timings[(username, "floor")])
            table_ms = statistics.median(timings[(username, "table floor")])
            ratio = page_ms / floor_ms
            mark = "" if ratio <= budget else "  over"
            if mark:
                over.append(label)
            self.stdout.write(f"  {label:<24} {page_ms:7.1f} {floor_ms:7.1f} {table_ms:7.1f} {ratio:5.2f}x "
                              f"{page_ms / table_ms:5.2f}x {budget:5.1f}x {queries[label]:7d} "
                              f"{sql_ms[label]:7.1f}{mark}")
        floor_ms = statistics.median(t for (_, key), ts in timings.items() if key == "floor" for t in ts)
        table_ms = statistics.median(t for (_, key), ts in timings.items() if key == "table floor" for t in ts)
        self.stdout.write(f"  The table floor (25 rows, 9 columns of constant strings) is {table_ms / floor_ms:.2f}x "
                          "the floor.")
        return over

    def _sweep(self) -> list[str]:
        """The daily reminder sweep with SWEEP_USERS casework users, rolled back after (no e-mail leaves)."""
        with transaction.atomic():
            User = get_user_model()
            groups = list(Group.objects.filter(name__in=roles.CASEWORK_ROLES))
            have = User.objects.filter(is_active=True, groups__in=groups).exclude(email="").distinct().count()
            for n in range(max(0, SWEEP_USERS - have)):
                user = User.objects.create(username=f"benchmark-sweep-{n}", email=f"sweep{n}@school.invalid")
                user.groups.add(groups[n % len(groups)])
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                sent = send_reminder_digests()
                seconds = time.perf_counter() - start
            transaction.set_rollback(True)
        mark = "" if seconds <= SWEEP_BUDGET_SECONDS else "  over"
        self.stdout.write(f"  Reminder sweep: {seconds:.2f} s for {max(have, SWEEP_USERS)} casework users, "
                          f"{sent} digests, {len(captured)} queries (budget {SWEEP_BUDGET_SECONDS:.1f} s){mark}")
        return ["reminder sweep"] if mark else []

    def _report(self, runs: int) -> list[str]:
        """The whole build of the Report to Governors against WeasyPrint's rendering of the same HTML alone."""
        today = timezone.localdate()
        builds, renders = [], []
        # Warmed up first, as the pages are: the first build in a process also loads WeasyPrint's fonts and
        # Python's modules (0.66 s of data against 0.19 s to 0.28 s after, measured at 10,000 pupils).
        pdf_from_html(report_html(report_data(academic_year=academic_year_of(today), today=today)))
        for _ in range(runs):
            statements: list[tuple[str, Any, bool]] = []
            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(_keeping(statements)):
                start = time.perf_counter()
                html = report_html(report_data(academic_year=academic_year_of(today), today=today))
                pdf = pdf_from_html(html)
                builds.append(time.perf_counter() - start)
            start = time.perf_counter()
            pdf_from_html(html)
            renders.append(time.perf_counter() - start)
        build, render = statistics.median(builds), statistics.median(renders)
        sql = statistics.median(_sql_alone(statements) for _ in range(3))
        ratio = build / render
        mark = "" if ratio <= REPORT_BUDGET else "  over"
        self.stdout.write(
            f"  Report to Governors: build {build:.2f} s, WeasyPrint alone {render:.2f} s, "
            f"{ratio:.2f}x (budget {REPORT_BUDGET}x), {len(captured)} queries "
            f"(SQL alone {sql / 1000:.2f} s), {len(pdf) // 1024} KB{mark}"
        )
        return ["report"] if mark else []
