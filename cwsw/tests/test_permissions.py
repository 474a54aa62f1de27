"""Every URL of the project, as every role, as an anonymous visitor and as a contributor from outside."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cwsw.tests.auth import sign_in
from pep.invitation_rules import hash_token
from pep.models import (
    Contribution,
    ExclusionConsultation,
    Invitation,
    PepMeeting,
    PepTarget,
    PpPlusAllocation,
    PpPlusSpend,
    Provision,
    TransferPack,
)
from pep.views.contributors import SESSION_KEY
from pupils.models import TransitionItem
from pupils.tests.factories import CareEpisodeFactory, PupilFactory
from reporting.models import GovernorReport

# "contributor": someone from outside the school with no account, past the code of their invitation
# to the "own" pupil's PEP. They reach the invitation pages (PUBLIC) and nothing else.
ROLES = ["anonymous", "head", "dt_user", "dsl", "governor", "staff", "norole", "contributor"]

# url name -> expected GET status per role (anonymous is always sent to log in).
#             head dt   dsl  gov  staff(own) staff(other) norole
EXPECTED = {
    "dashboard":            dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    "floor":                dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    "table_floor":          dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    "password_change":      dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    "password_change_done": dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    "cwsw:school":          dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "cwsw:terms":           dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "cwsw:terms_year":      dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "cwsw:terms_import":    dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pupils:access_log":      dict(head=200, dt_user=403, dsl=403, governor=403, staff=403, norole=403),
    "pupils:list":          dict(head=200, dt_user=200, dsl=200, governor=403, staff=200, norole=403),
    "pupils:add":           dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:flag":          dict(head=200, dt_user=403, dsl=200, governor=403, staff=403, norole=403),
    "pupils:search":        dict(head=200, dt_user=403, dsl=200, governor=403, staff=403, norole=403),
    "pupils:find":          dict(head=200, dt_user=200, dsl=200, governor=403, staff=200, norole=403),
    "pupils:export":        dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:import":        dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:detail":        dict(head=200, dt_user=200, dsl=200, governor=403, staff=200, norole=403),
    "pupils:retention":     dict(head=200, dt_user=403, dsl=403, governor=403, staff=403, norole=403),
    "pupils:erase":         dict(head=200, dt_user=403, dsl=403, governor=403, staff=403, norole=403),
    "pupils:history":       dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:edit":          dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:episode_add":   dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:episode_edit":  dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:episode_end":   dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:note_add":      dict(head=405, dt_user=403, dsl=405, governor=403, staff=403, norole=403),
    "pupils:records":       dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:record_save":   dict(head=405, dt_user=405, dsl=405, governor=403, staff=403, norole=403),
    "pupils:flags_seen":    dict(head=403, dt_user=405, dsl=403, governor=403, staff=403, norole=403),
    "pupils:access_log_export": dict(head=200, dt_user=403, dsl=403, governor=403, staff=403, norole=403),
    "pupils:records_import": dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:ctf_import":     dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:marks_import":   dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:leave":         dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:transition_done": dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:transfer_packs":   dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:transfer_pack":    dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:transfer_pack_download": dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:grid":             dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pupil":            dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:pupil_summary":    dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:pep_add":          dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pep_detail":       dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pep_hold":         dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pep_complete":     dict(head=405, dt_user=405, dsl=403, governor=403, staff=403, norole=403),
    "pep:pep_reopen":       dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pep_rate":         dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pep_pdf":          dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pep_invite":       dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    # Quality assurance is for a held PEP: the planned one here sends the DT back to it.
    "pep:pep_quality_request": dict(head=302, dt_user=302, dsl=403, governor=403, staff=403, norole=403),
    "pep:invitation_withdraw": dict(head=405, dt_user=405, dsl=403, governor=403, staff=403, norole=403),
    "pep:contribution_decide": dict(head=405, dt_user=405, dsl=403, governor=403, staff=403, norole=403),
    "pep:target_add":       dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:target_edit":      dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:target_review":    dict(head=405, dt_user=405, dsl=403, governor=403, staff=403, norole=403),
    "pep:allocation_add":   dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:spend_add":        dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:allocation_edit":     dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:allocation_withdraw":     dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:spend_edit":     dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:spend_withdraw":     dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pp_school":        dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pp_pupils":        dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:pp_export":        dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:rate_add":         dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pep:exclusions":       dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:exclusions_export": dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:exclusion_add":    dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:exclusion_edit":   dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:provisions":       dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:provisions_export": dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:provision_add":    dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pep:provision_edit":   dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "reporting:governor_report_list": dict(head=200, dt_user=200, dsl=403, governor=200, staff=403, norole=403),
    "reporting:governor_report": dict(head=200, dt_user=200, dsl=403, governor=200, staff=403, norole=403),
    "reporting:governor_report_download": dict(head=200, dt_user=200, dsl=403, governor=200, staff=403, norole=403),
    "reporting:narrative":  dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "reporting:narrative_year": dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "reporting:school_figures": dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "reporting:school_figures_year": dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "reporting:training":   dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "reporting:digest":     dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    # The PEPs due are the DT's and the head's: the DSL's roles do not act on them.
    "reporting:due_list":   dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "reporting:due_export": dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    # Already past the code: the code page sends everyone on.
    "two_factor_verify":    dict(head=302, dt_user=302, dsl=302, governor=302, staff=302, norole=302),
    "two_factor":           dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    "two_factor_enrol":     dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    # Shows codes only straight after they are made; otherwise back to the settings page.
    "two_factor_backup_codes": dict(head=302, dt_user=302, dsl=302, governor=302, staff=302, norole=302),
    "two_factor_remove":    dict(head=405, dt_user=405, dsl=405, governor=405, staff=405, norole=405),
}
# The pages an invitation link opens need no login: every identity gets them. Before the code they
# show nothing of the child (so a member of staff, or a stranger, sees the code page).
# A copy of a part sent is only for the browser that just sent it (404 to any other); keeping a session
# alive is a POST (405 to a GET), for whoever has a session.
PUBLIC = {"contribute:invitation": 200, "contribute:thanks": 200, "contribute:copy": 404, "session_keepalive": 405}
# Not the app's own pages: Django's and the IT administrator's.
# The forgotten-password pages are for someone not logged in (tested in test_password_reset.py).
OUTSIDE = {"login", "logout", "admin", "password_reset", "password_reset_done", "password_reset_confirm",
           "password_reset_complete"}


def all_url_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from all_url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def casework_for(pupil, by):
    episode = CareEpisodeFactory(pupil=pupil, kind="CLA", start_date=dt.date(2024, 1, 1))
    pep = PepMeeting.objects.create(pupil=pupil, academic_year=2025, term="autumn", meeting_date=dt.date(2025, 10, 1))
    target = PepTarget.objects.create(pep=pep, area="reading", description="Read daily", success_criteria="Log",
                                      owner="DT")
    allocation = PpPlusAllocation.objects.create(pupil=pupil, financial_year=2025, amount=Decimal("2630"),
                                                 source="virtual_school", received_on=dt.date(2025, 5, 1))
    exclusion = ExclusionConsultation.objects.create(pupil=pupil, incident_date=dt.date(2025, 10, 2),
                                                     incident="Demo incident", proposed_action="suspension")
    spend = PpPlusSpend.objects.create(allocation=allocation, spent_on=dt.date(2025, 6, 1), amount=Decimal("100"),
                                       category="tuition", description="Demo tuition")
    invitation = Invitation.objects.create(
        pep=pep, role="social_worker", name="Sam Worker", email=f"sw{pupil.pk}@council.invalid", created_by=by,
        token_hash=hash_token(f"token-{pupil.pk}"), expires_at=timezone.now() + dt.timedelta(days=14))
    answered = Invitation.objects.create(
        pep=pep, role="carer", name="Pat Carer", email=f"carer{pupil.pk}@home.invalid", created_by=by,
        token_hash=hash_token(f"answered-{pupil.pk}"), expires_at=timezone.now() + dt.timedelta(days=14),
        answered_at=timezone.now())
    contribution = Contribution.objects.create(invitation=answered, pep=pep,
                                               answers=[["Learning at home", "Reads nightly"]])
    item = TransitionItem.objects.create(pupil=pupil, step="file_sent", counted_from=dt.date(2025, 10, 24),
                                         due_date=dt.date(2025, 11, 7))
    provision = Provision.objects.create(
        pupil=pupil, kind="part_time", start_date=dt.date(2025, 11, 3), hours_a_week=Decimal("15"),
        reason="Phased return after a placement move", review_due=dt.date(2025, 12, 1), target=target)
    pack = TransferPack.objects.create(pupil=pupil, requested_by=by, status="ready")
    pack.pdf.save("pack.pdf", ContentFile(b"%PDF-1.4 demo"))
    return {"item": item, "pack": pack, "provision": provision,
            "pupil": pupil, "episode": episode, "pep": pep, "target": target, "allocation": allocation,
            "exclusion": exclusion, "spend": spend, "invitation": invitation, "contribution": contribution,
            "token": f"token-{pupil.pk}"}


@pytest.fixture
def objects(staff, head):
    report = GovernorReport.objects.create(academic_year=2025, status="ready", requested_by=head)
    report.pdf.save("report.pdf", ContentFile(b"%PDF-1.4 demo"))
    return {"own": {**casework_for(PupilFactory(key_adult=staff), head), "report": report},
            "other": {**casework_for(PupilFactory(), head), "report": report}}


def contributor_client(client, invitation):
    """A browser session past the code of this invitation, as the code page leaves it."""
    invitation.verified_at = timezone.now()
    invitation.save(update_fields=["verified_at"])
    session = client.session
    session[SESSION_KEY] = [invitation.pk]
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


# Which record each URL takes as its argument.
ARGUMENT = {
    "pupils:detail": "pupil", "pupils:edit": "pupil", "pupils:history": "pupil", "pupils:erase": "pupil",
    "pupils:episode_add": "pupil",
    "pupils:note_add": "pupil", "pupils:flags_seen": "pupil",
    "pupils:records": "pupil", "pupils:episode_edit": "episode", "pupils:episode_end": "episode",
    "pupils:leave": "pupil", "pupils:transition_done": "item", "pep:transfer_packs": "pupil",
    "pep:transfer_pack": "pack", "pep:transfer_pack_download": "pack",
    "pep:pupil": "pupil", "pep:pupil_summary": "pupil", "pep:pep_add": "pupil", "pep:allocation_add": "pupil",
    "pep:provision_add": "pupil", "pep:provision_edit": "provision",
    "pep:exclusion_add": "pupil", "pep:pep_detail": "pep", "pep:pep_hold": "pep", "pep:pep_complete": "pep",
    "pep:pep_reopen": "pep", "pep:pep_rate": "pep", "pep:pep_pdf": "pep", "pep:target_add": "pep",
    "pep:target_edit": "target", "pep:spend_add": "allocation", "pep:exclusion_edit": "exclusion",
    "pep:allocation_edit": "allocation", "pep:allocation_withdraw": "allocation", "pep:spend_edit": "spend",
    "pep:spend_withdraw": "spend", "pep:pep_invite": "pep", "pep:pep_quality_request": "pep",
    "pep:invitation_withdraw": "invitation", "pep:contribution_decide": "contribution",
    "reporting:governor_report": "report", "reporting:governor_report_download": "report",
}


def url_for(name, objects, which="own"):
    records = objects[which]
    if name == "pep:target_review":
        return reverse(name, args=[records["pep"].pk, records["target"].pk])
    if name in {"cwsw:terms_year", "reporting:narrative_year", "reporting:school_figures_year"}:
        return reverse(name, args=[2025])
    if name == "contribute:invitation":
        return reverse(name, args=[records["token"]])
    if name in ("reporting:due_list", "reporting:due_export"):
        return reverse(name, args=["peps_due"])
    if name == "pupils:record_save":
        return reverse(name, args=[records["pupil"].pk, "attendance"])
    if name == "pupils:access_log_export":
        return reverse(name) + f"?pupil={records['pupil'].pk}"
    if name in ARGUMENT:
        return reverse(name, args=[records[ARGUMENT[name]].pk])
    return reverse(name)


def test_it_lists_every_url_of_the_project():
    names = set(all_url_names()) - OUTSIDE
    assert names == set(EXPECTED) | set(PUBLIC), "add the new URL to EXPECTED with each role's status"


def identify(role, client, request, objects):
    if role == "contributor":
        contributor_client(client, objects["own"]["invitation"])
    elif role != "anonymous":
        sign_in(client, request.getfixturevalue(role))
    return client


@pytest.mark.parametrize("name", sorted(EXPECTED) + sorted(PUBLIC))
@pytest.mark.parametrize("role", ROLES)
def test_it_gives_each_role_the_expected_status(name, role, objects, request, client):
    response = identify(role, client, request, objects).get(url_for(name, objects))
    if name in PUBLIC:
        assert response.status_code == PUBLIC[name]
    elif role in ("anonymous", "contributor"):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == EXPECTED[name][role]


def test_a_contributor_sees_only_their_own_part_and_never_a_surname_or_upn(objects, client):
    """Past the code of their own invitation: their part, with the child's first name. Any other
    invitation link shows its code page; every other page sends them to log in."""
    own, other = objects["own"]["pupil"], objects["other"]["pupil"]
    contributor_client(client, objects["own"]["invitation"])
    bodies = {}
    for name in sorted(EXPECTED) + sorted(PUBLIC):
        for which in ("own", "other"):
            bodies[name, which] = body_of(client.get(url_for(name, objects, which)))
    assert own.first_name in bodies["contribute:invitation", "own"]
    assert "Send me a code" in bodies["contribute:invitation", "other"]
    for key, body in bodies.items():
        for pupil in (own, other):
            assert pupil.last_name not in body and pupil.upn not in body, key
        assert other.first_name not in body, key
    from cwsw.models import AccessLog

    invitation = objects["own"]["invitation"]
    assert AccessLog.objects.filter(user=None, contributor=invitation.email, pupil=own,
                                    code="invitation.visited", data__shown="their part").exists()


@pytest.mark.parametrize("name", sorted(n for n, record in ARGUMENT.items() if record != "report"))
def test_it_hides_other_pupils_from_a_key_adult(name, objects, staff, client):
    sign_in(client, staff)
    response = client.get(url_for(name, objects, which="other"))
    assert response.status_code in (403, 404)


@pytest.mark.parametrize("role", ["governor", "staff", "norole"])
def test_it_never_shows_a_pupil_name_where_it_should_not(role, objects, request, client):
    sign_in(client, request.getfixturevalue(role))
    for name in EXPECTED:
        response = client.get(url_for(name, objects, which="other"))
        body = b"".join(response.streaming_content if response.streaming else [response.content]).decode("latin-1")
        assert objects["other"]["pupil"].last_name not in body, name
        assert objects["other"]["pupil"].upn not in body, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("role", ["head", "dt_user", "dsl"])
def test_it_shows_nothing_to_a_casework_role_before_the_code(name, role, objects, request, client):
    """Password alone is not enough for DT, DSL and head: every page asks for the code first."""
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(url_for(name, objects))
    if name.startswith("two_factor"):
        assert response.status_code in (200, 302, 405)
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("two_factor_enrol"))


def body_of(response) -> str:
    return b"".join(response.streaming_content if response.streaming else [response.content]).decode("latin-1")


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "contributor")])
def test_it_logs_every_pupil_a_page_shows(role, objects, request, client):
    """Walk every URL with real ids: a response naming a pupil has an access-log row for them."""
    from cwsw.models import AccessLog

    user = request.getfixturevalue(role)
    sign_in(client, user)
    pupils = [objects["own"]["pupil"], objects["other"]["pupil"]]
    unlogged = []
    for name in sorted(EXPECTED):
        for which in ("own", "other"):
            last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            body = body_of(client.get(url_for(name, objects, which)))
            written = set(AccessLog.objects.filter(pk__gt=last, user=user).values_list("pupil_id", flat=True))
            unlogged += [(name, which, p.last_name) for p in pupils
                         if (p.last_name in body or p.upn in body) and p.pk not in written]
    assert unlogged == []


# A GET writes only the access log (and the session it was signed in with).
MAY_WRITE = {"cwsw_accesslog", "django_session"}


def _table_counts() -> dict[str, int]:
    from django.apps import apps

    return {model._meta.db_table: model._base_manager.count() for model in apps.get_models()}


def _written_tables(queries) -> set[str]:
    tables = set()
    for query in queries:
        sql = query["sql"].lstrip()
        verb = sql.split(None, 1)[0].upper()
        if verb in ("INSERT", "REPLACE"):
            tables.add(re.search(r"INTO\s+\"?(\w+)", sql, re.I).group(1))
        elif verb == "UPDATE":
            tables.add(re.search(r"UPDATE\s+\"?(\w+)", sql, re.I).group(1))
        elif verb == "DELETE":
            tables.add(re.search(r"FROM\s+\"?(\w+)", sql, re.I).group(1))
    return tables


@pytest.mark.parametrize("role", ROLES)
def test_no_get_to_any_url_writes_anything_but_the_access_log(role, objects, request, client):
    """Walk every URL as every role, the contributor past their code too: no row is added, changed or removed
    anywhere but the access log (and the session)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    identify(role, client, request, objects)
    before = _table_counts()
    written: dict[str, set[str]] = {}
    for name in sorted(EXPECTED) + sorted(PUBLIC):
        for which in ("own", "other"):
            with CaptureQueriesContext(connection) as queries:
                body_of(client.get(url_for(name, objects, which)))
            if tables := _written_tables(queries.captured_queries) - MAY_WRITE:
                written[f"{name} ({which})"] = tables
    after = _table_counts()
    assert written == {}
    assert {t: (before[t], after[t]) for t in before if before[t] != after[t] and t not in MAY_WRITE} == {}
