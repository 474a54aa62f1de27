import datetime as dt

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY

from . import roles, twofactor
from .clientip import client_address
from .decorators import role_required
from .failures import queue_after_commit
from .forms import (
    CalendarImportForm,
    ClosureFormSet,
    SchoolProfileForm,
    TermDatesForm,
    TwoFactorCodeForm,
    closures_initial,
    closures_inside_terms,
)
from .ics import calendar_import_read, years_from_json, years_to_json
from .middleware import REFRESHED_KEY, two_factor_exempt
from .models import SchoolProfile, Term
from .services import calendar_import_save, calendar_year_save, school_profile_save
from .tasks import send_password_reset
from .terms import academic_year_label, academic_year_of, year_in_range
from .throttle import Throttle

# Forgotten-password e-mails: per client address (one machine asking about many accounts) and per e-mail
# address (many machines filling one mailbox).
RESET_BY_ADDRESS = Throttle("password-reset-address", 10, dt.timedelta(hours=1))
RESET_BY_ACCOUNT = Throttle("password-reset-account", 3, dt.timedelta(hours=1))


@role_required(roles.can_manage_school)
def school_profile(request: HttpRequest) -> HttpResponse:
    profile = SchoolProfile.load()
    form = SchoolProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        school_profile_save(profile=form.instance, by=request.user)
        messages.success(request, "The school's details are saved.")
        return redirect("cwsw:school")
    return render(request, "cwsw/school_profile.html", {"form": form})


@role_required(roles.can_manage_school)
def term_dates(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """Enter a year's term dates and the closures inside them (half-terms, INSET days)."""
    current = academic_year_of(timezone.localdate())
    year = current if year is None else year_in_range(year, current=current)
    if year is None:
        messages.error(request, "Choose an academic year within ten years of this one.")
        return redirect("cwsw:terms")
    calendar = Term.calendar()
    dates = calendar.year(year)
    data = request.POST if request.method == "POST" else None
    form = TermDatesForm(data, academic_year=year, initial_terms=dates.terms)
    # A form posted without the closures section (an older page) means no closures.
    with_closures = data is None or "closures-TOTAL_FORMS" in data
    closures = ClosureFormSet(data if with_closures else None, prefix="closures",
                              initial=closures_initial(dates.closures))
    if data is not None and form.is_valid() and (not with_closures or closures.is_valid()):
        kept = closures_inside_terms(year, form.terms(), closures) if with_closures else []
        if kept is not None:
            calendar_year_save(academic_year=year, terms=form.terms(), closures=kept, by=request.user)
            messages.success(request, f"Term dates for {academic_year_label(year)} are saved.")
            return redirect("cwsw:terms_year", year=year)
    context = {
        "form": form,
        "closures": closures,
        "year": year,
        "year_label": academic_year_label(year),
        "entered": not dates.on_defaults,
        "years": [(y, academic_year_label(y)) for y in range(current - 1, current + 2)],
    }
    return render(request, "cwsw/term_dates.html", context)


IMPORT_SESSION_KEY = "cwsw_calendar_import"


@role_required(roles.can_manage_school)
def term_import(request: HttpRequest) -> HttpResponse:
    """Read an .ics file, show what it says, and save its years only once the user confirms."""
    form = CalendarImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("confirm"):
        years = request.session.pop(IMPORT_SESSION_KEY, None)
        if not years:
            messages.error(request, "There is nothing to import: read the file again.")
            return redirect("cwsw:terms_import")
        calendar_import_save(years=years_from_json(years), by=request.user)
        labels = ", ".join(academic_year_label(int(y)) for y in years)
        messages.success(request, f"Term dates imported for {labels}.")
        return redirect("cwsw:terms_year", year=int(min(years)))
    result = None
    if request.method == "POST" and form.is_valid():
        result = calendar_import_read(form.cleaned_data["file"].read())
        if result.ok:
            request.session[IMPORT_SESSION_KEY] = years_to_json(result.years)
    replaces = {y.academic_year for y in result.years} & set(
        Term.objects.values_list("academic_year", flat=True)) if result and result.ok else set()
    context = {"form": form, "result": result, "replaces": sorted(academic_year_label(y) for y in replaces)}
    return render(request, "cwsw/term_import.html", context)


def floor(request: HttpRequest) -> HttpResponse:
    """The framework floor: a signed-in page with the base template and no data.

    `manage.py benchmark` and `bin/load-test` time every page against this one, so their
    figures are ratios to what Django, the middleware and the layout cost on this machine.
    """
    return render(request, "floor.html")


TABLE_FLOOR_ROWS = [[f"Row {r} column {c}" for c in range(1, 10)] for r in range(1, 26)]


def table_floor(request: HttpRequest) -> HttpResponse:
    """The table floor: the floor with a plain 25-row, 9-column table of constant strings, what a list page
    draws at the least (DESIGN.md "Performance budgets"): Django's templates alone, no query, no logic."""
    return render(request, "floor_table.html", {"rows": TABLE_FLOOR_ROWS})


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@two_factor_exempt
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in: a code from the app, or a backup code."""
    if twofactor.needs_code(request) != "verify":
        return redirect(_next_url(request))
    form = TwoFactorCodeForm(request.POST or None, check=lambda code: twofactor.verify(request, code))
    if request.method == "POST" and form.is_valid():
        return redirect(_next_url(request))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@two_factor_exempt
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), give a code."""
    user = request.user
    if not twofactor.is_verified(request) and twofactor.is_enrolled(user):
        # Knowing the password is not enough to replace someone's app.
        return redirect("two_factor_verify")
    device = twofactor.enrolment_device(request)
    form = TwoFactorCodeForm(
        request.POST or None, check=lambda code: twofactor.enrolment_code_check(device, code.strip())
    )
    if request.method == "POST" and form.is_valid():
        request.session[twofactor.BACKUP_CODES_SESSION_KEY] = twofactor.enrolment_confirm(request, device)
        messages.success(request, "Two-factor login is set up. Keep these backup codes somewhere safe.")
        return redirect("two_factor_backup_codes")
    context = {
        "form": form,
        "qr_svg": twofactor.qr_svg(device),
        "secret": twofactor.secret_for_display(device),
        "required": roles.requires_two_factor(user),
    }
    return render(request, "registration/two_factor_enrol.html", context)


def two_factor(request: HttpRequest) -> HttpResponse:
    """The user's own two-factor settings."""
    user = request.user
    context = {
        "enrolled": twofactor.is_enrolled(user),
        "required": roles.requires_two_factor(user),
        "backup_codes_left": twofactor.backup_codes_left(user),
    }
    return render(request, "registration/two_factor.html", context)


def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """Show new backup codes once; a POST replaces the old set."""
    if request.method == "POST":
        if not twofactor.is_enrolled(request.user):
            return redirect("two_factor")
        request.session[twofactor.BACKUP_CODES_SESSION_KEY] = twofactor.backup_codes_new(request.user)
        messages.success(request, "New backup codes are made; the old ones no longer work.")
        return redirect("two_factor_backup_codes")
    codes = request.session.pop(twofactor.BACKUP_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("two_factor")
    return render(request, "registration/two_factor_backup_codes.html", {"codes": codes})


@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """Someone who chose two-factor login may stop using it; those who must, may not."""
    if roles.requires_two_factor(request.user):
        raise PermissionDenied
    twofactor.two_factor_reset(request.user)
    request.session[twofactor.ENROLLED_SESSION_KEY] = False
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    messages.success(request, "Two-factor login is turned off for your account.")
    return redirect("two_factor")


class PasswordResetView(auth_views.PasswordResetView):
    """The forgotten-password page. It answers the same, at once, whatever address is given: the e-mail is
    sent by a background task (so the time taken tells nothing), and at most RESET_BY_ADDRESS requests an
    hour from one client and RESET_BY_ACCOUNT an hour for one address are sent at all."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        address = client_address(self.request) or "unknown"
        if not (RESET_BY_ADDRESS.exceeded(address) or RESET_BY_ACCOUNT.exceeded(email)):
            RESET_BY_ADDRESS.count(address)
            RESET_BY_ACCOUNT.count(email)
            queue_after_commit(send_password_reset, email)
        return redirect(self.get_success_url())


@login_not_required
@two_factor_exempt
@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """"Stay signed in" (the warning before a session ends): 204 when there was a session to keep, which the
    response then saves with a new end; 401 when it has already ended."""
    session = request.session
    if not session.session_key or session.is_empty():
        return HttpResponse(status=401)
    session[REFRESHED_KEY] = int(timezone.now().timestamp())  # marks it modified: SessionMiddleware saves it
    return HttpResponse(status=204)
