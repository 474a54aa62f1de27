"""Time the main pages against the current database (seed it with seed_demo --pupils 10000)."""

import statistics
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwsw import roles
from cwsw.terms import academic_year_of
from pep.models import PepMeeting
from pupils import cohort
from pupils.models import Pupil
from reporting.figures import report_data
from reporting.pdf import render_report


class Command(BaseCommand):
    help = "Time the register, a pupil's page, the dashboard and the casework pages; count their queries."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--runs", type=int, default=20)

    @override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False)
    def handle(self, *args: Any, runs: int, **options: Any) -> None:
        users = get_user_model().objects.in_bulk(["dt", "governor"], field_name="username")
        if len(users) < 2 or not Pupil.objects.exists():
            raise CommandError("Run seed_demo first (e.g. seed_demo --pupils 10000).")
        pupil = Pupil.objects.on_roll().in_cohort().filter(category=cohort.CLA).first()
        pep = PepMeeting.objects.filter(pupil=pupil).first() or PepMeeting.objects.first()
        pages = [
            ("dt", "register, first page", reverse("pupils:list")),
            ("dt", "register, filtered", reverse("pupils:list") + "?category=CLA&key_stage=KS4&ordering=-dob"),
            ("dt", "pupil page", reverse("pupils:detail", args=[pupil.pk])),
            ("dt", "pupil casework", reverse("pep:pupil", args=[pupil.pk])),
            ("dt", "dashboard (DT)", reverse("dashboard")),
            ("governor", "dashboard (governor)", reverse("dashboard")),
            ("dt", "PEP compliance grid", reverse("pep:grid")),
            ("dt", "PEP page", reverse("pep:pep_detail", args=[pep.pk])),
            ("dt", "PP+ school summary", reverse("pep:pp_school")),
            ("dt", "suspensions", reverse("pep:exclusions")),
        ]
        self.stdout.write(f"{Pupil.objects.count()} pupils, {Pupil.objects.in_cohort().count()} in the cohort; "
                          f"median of {runs} runs")
        # Signed in as each user would be, past the two-factor code: with the user's own app, or with
        # an app made for the run and removed after it (the demo users' own set-up is left alone).
        made = []
        clients = {}
        for username, user in users.items():
            clients[username] = Client()
            clients[username].force_login(user)
            if roles.requires_two_factor(user):
                device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
                if device is None:
                    device = TOTPDevice.objects.create(user=user, name="benchmark (removed after the run)")
                    made.append(device)
                session = clients[username].session
                session[DEVICE_ID_SESSION_KEY] = device.persistent_id
                session.save()
        try:
            self._pages(pages, clients, runs)
        finally:
            for device in made:
                device.delete()
        self._report()

    def _pages(self, pages: list[tuple[str, str, str]], clients: dict[str, Client], runs: int) -> None:
        for username, label, url in pages:
            client = clients[username]
            client.get(url)  # warm up
            timings = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{label}: status {response.status_code}")
            self.stdout.write(f"  {label:<24} {statistics.median(timings):7.1f} ms  {len(queries):3d} queries")

    def _report(self) -> None:
        """Time the Report to Governors: gathering the figures, and WeasyPrint's rendering."""
        today = timezone.localdate()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            data = report_data(academic_year=academic_year_of(today), today=today)
            gathered = time.perf_counter()
        pdf = render_report(data)
        rendered = time.perf_counter()
        self.stdout.write(
            f"  Report to Governors: figures {gathered - start:.2f} s ({len(queries)} queries), "
            f"WeasyPrint {rendered - gathered:.2f} s, {len(pdf) // 1024} KB"
        )
