import csv
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.failures import queue_failed
from cwsw.models import AccessLog, Term

from . import attendance, chronology, cohort, history, mis, progress, retention, services, transitions, years
from .access import get_episode_for, get_pupil_for, get_transition_item_for, of_visible_pupils
from .filters import AccessLogFilter, RegisterFilter
from .forms import (
    AttainmentForm,
    AttendanceContactForm,
    AttendanceForm,
    CareEpisodeForm,
    EndEpisodeForm,
    ErasureForm,
    FlagForm,
    ImportForm,
    LeavingForm,
    NewPupilForm,
    PupilForm,
    SafeguardingNoteForm,
    SdqForm,
    SubjectGradeForm,
    TransitionDoneForm,
)
from .models import CategorySpell, Pupil


def _register_queryset(request: HttpRequest) -> RegisterFilter:
    return RegisterFilter(request.GET, queryset=Pupil.objects.visible_to(request.user), request=request)


def _as_shown(pupils: Any) -> Any:
    """The register's columns: today's category and plan, the new-flag mark and the key adult."""
    today = timezone.localdate()
    return pupils.with_stored_category(today).with_plan(today).with_new_flag().select_related("key_adult")


@role_required(roles.can_see_register)
def pupil_list(request: HttpRequest) -> HttpResponse:
    register = _register_queryset(request)
    counts = None
    if not request.htmx:  # the page's header: how many on roll in each category, from the spells' own index
        today = timezone.localdate()
        counts = of_visible_pupils(request.user, CategorySpell.objects.on(today).on_roll(today)).category_counts()
    # The page is chosen by ids alone; each pupil's category, plan and new-flag mark are then read for the
    # 25 shown, not for every pupil the filter holds before it is sorted.
    paginator = Paginator(register.qs.values_list("pk", flat=True), settings.REGISTER_PAGE_SIZE)
    if counts is not None and (total := register.count_from(counts)) is not None:
        paginator.count = total  # a category's pupils on roll: the header has counted them already
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    shown = _as_shown(Pupil.objects.filter(pk__in=ids)).in_bulk()
    page.object_list = [shown[pk] for pk in ids]
    AccessLog.record(user=request.user, action=AccessLog.LIST, pupils=page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": register,
        "page": page,
        "query": query.urlencode(),
    }
    if request.htmx:
        return render(request, "pupils/_register_rows.html", context)
    context["count_rows"] = cohort.labelled(counts)
    return render(request, "pupils/pupil_list.html", context)


@role_required(roles.can_import_export)
def pupil_export(request: HttpRequest) -> HttpResponse:
    register = _register_queryset(request)
    rows = mis.register_export(pupils=_as_shown(register.qs), by=request.user, as_of=timezone.localdate())
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="cwsw-register-{stamp}.csv"'},
    )
    csv.writer(response).writerows(rows)
    return response


@role_required(roles.can_import_export)
def pupil_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = mis.pupils_import(data=form.cleaned_data["file"].read(), by=request.user)
        if result.ok:
            messages.success(
                request, f"Imported: {result.created} new pupils, {result.updated} updated."
            )
            # Everyone on the register, newest admissions first: most pupils imported are in no category.
            return redirect(reverse("pupils:list") + "?category=all&ordering=-admitted")
    return render(request, "pupils/pupil_import.html", {"form": form, "result": result})


@role_required(roles.can_see_register)
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    # Read once here; the chronology reads the same records without asking the database again.
    prefetch_related_objects([pupil], chronology.episodes_prefetch())
    episodes = list(pupil.episodes.all())
    # Opening the record is a write only when there is a new flag to mark seen.
    if any(e.is_flag_unseen for e in episodes) and services.flags_mark_seen(pupil=pupil, by=request.user):
        pupil.refresh_from_db()  # forgets the episodes read before the write
        prefetch_related_objects([pupil], chronology.episodes_prefetch())
        episodes = list(pupil.episodes.all())
    today = timezone.localdate()
    AccessLog.record(user=request.user, action=AccessLog.VIEW, pupils=[pupil])
    category = cohort.category_from_episodes(episodes, today)
    plan = cohort.plan_from_episodes(episodes, today) if roles.can_see_social_care(request.user) else None
    context = {
        "pupil": pupil,
        "category": category,
        # CP or CIN is a social-care detail: a key adult sees only the category.
        "plan": plan,
        "category_label": cohort.category_label(category, plan) if category else "",
        "episodes": episodes,
        "today": today,
    }
    context["progress"] = progress.progress(pupil)
    if roles.can_see_social_care(request.user):
        prefetch_related_objects([pupil], chronology.steps_prefetch())
        context["checklist"] = list(pupil.transition_items.all())
    if roles.can_see_safeguarding_notes(request.user):
        prefetch_related_objects([pupil], chronology.notes_prefetch())
        context["notes"] = list(pupil.safeguarding_notes.all())
        context["note_form"] = SafeguardingNoteForm()
    if roles.can_see_social_care(request.user):
        context["chronology"] = chronology.chronology(pupil, request.user, today)
    return render(request, "pupils/pupil_detail.html", context)


@role_required(roles.can_see_social_care)
def pupil_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what on this pupil's records, from what, to what: the records this role may see."""
    pupil = get_pupil_for(request.user, pk)
    AccessLog.record(user=request.user, action=AccessLog.VIEW, pupils=[pupil], detail="history")
    context = {
        "pupil": pupil,
        "changes": history.pupil_history(pupil, request.user),
        "sections": [s.title for s in history.sections_for(request.user)],
    }
    return render(request, "pupils/pupil_history.html", context)


@role_required(roles.can_review_retention)
def retention_review(request: HttpRequest) -> HttpResponse:
    """Records past the retention point (date of birth + 25 years), for the head to review."""
    pupils = retention.past_retention()
    AccessLog.record(user=request.user, action=AccessLog.LIST, pupils=pupils, detail="retention review")
    return render(request, "pupils/retention.html", {"pupils": pupils, "years": retention.RETENTION_YEARS})


@role_required(roles.can_review_retention)
def pupil_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Review one record past the retention point and delete it, with its casework and history."""
    pupil = get_pupil_for(request.user, pk)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            retention.pupil_erase(pupil=pupil, by=request.user)
        except retention.ErasureRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("pupils:erase", pk=pk)
        messages.success(request, f"The records of pupil number {pk} are deleted. The access log keeps a note of it.")
        return redirect("pupils:retention")
    AccessLog.record(user=request.user, action=AccessLog.VIEW, pupils=[pupil], detail="retention review")
    context = {
        "pupil": pupil,
        "form": form,
        "retain_until": retention.retention_point(pupil),
        "refusal": retention.erasure_refusal(pupil),
        "counts": retention.record_counts(pupil),
    }
    return render(request, "pupils/erase.html", context)


@role_required(roles.can_edit_pupils)
def pupil_add(request: HttpRequest) -> HttpResponse:
    form = PupilForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pupil = services.pupil_create(pupil=form.instance, by=request.user)
        messages.success(request, f"{pupil} is on the register.")
        return redirect(pupil)
    return render(request, "pupils/form.html", {"form": form, "title": "Add a pupil"})


@role_required(roles.can_edit_pupils)
def pupil_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    form = PupilForm(request.POST or None, instance=pupil)
    if request.method == "POST" and form.is_valid():
        services.pupil_update(pupil=form.instance, by=request.user)
        messages.success(request, "Saved.")
        return redirect(pupil)
    return render(request, "pupils/form.html", {"form": form, "title": f"Edit {pupil}", "pupil": pupil})


@role_required(roles.can_edit_pupils)
def pupil_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """Record when and why the pupil leaves, and where to; a cohort pupil's transfer checklist follows."""
    pupil = get_pupil_for(request.user, pk)
    form = LeavingForm(request.POST or None, instance=pupil)
    if request.method == "POST" and form.is_valid():
        services.pupil_leave(pupil=form.instance, by=request.user)
        if pupil.leaving_date:
            messages.success(request, f"{pupil} leaves on {pupil.leaving_date:%-d %b %Y}.")
        else:
            messages.success(request, f"{pupil} stays on roll: the leaving date is cleared.")
        return redirect(pupil)
    steps = [s for s in transitions.STEPS.values() if s.checklist == transitions.LEAVING]
    return render(request, "pupils/leaving.html", {"form": form, "pupil": pupil, "steps": steps})


@role_required(roles.can_see_social_care)
def transition_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one step of a pupil's joining or leaving checklist done."""
    item = get_transition_item_for(request.user, pk)
    form = TransitionDoneForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.transition_done(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as refusal:
            form.add_error(None, refusal)  # a field's refusal lands next to that field
        else:
            messages.success(request, f"Done: {item.label}.")
            return redirect(item.pupil)
    return render(request, "pupils/form.html", {
        "form": form, "pupil": item.pupil,
        "title": f"{item.label}: {item.pupil}",
        "intro": f"Due {item.due_date:%-d %b %Y} ({item.definition.deadline_words}).",
    })


@role_required(roles.can_edit_pupils)
def episode_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    form = CareEpisodeForm(request.POST or None, pupil=pupil)
    if request.method == "POST" and form.is_valid():
        services.episode_save(episode=form.instance, by=request.user)
        messages.success(request, "The episode is added.")
        return redirect(pupil)
    return render(
        request, "pupils/form.html",
        {"form": form, "title": f"Add a care episode for {pupil}", "pupil": pupil},
    )


@role_required(roles.can_edit_pupils)
def episode_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_episode_for(request.user, pk)
    form = CareEpisodeForm(request.POST or None, instance=episode, pupil=episode.pupil)
    if request.method == "POST" and form.is_valid():
        services.episode_save(episode=form.instance, by=request.user)
        messages.success(request, "The episode is saved.")
        return redirect(episode.pupil)
    return render(
        request, "pupils/form.html",
        {"form": form, "title": f"Edit episode: {episode}", "pupil": episode.pupil},
    )


@role_required(roles.can_edit_pupils)
def episode_end(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_episode_for(request.user, pk)
    form = EndEpisodeForm(request.POST or None, instance=episode)
    if request.method == "POST" and form.is_valid():
        services.episode_end(episode=episode, end_date=form.cleaned_data["end_date"], by=request.user)
        messages.success(request, "The episode is ended.")
        return redirect(episode.pupil)
    return render(
        request, "pupils/form.html",
        {"form": form, "title": f"End episode: {episode}", "pupil": episode.pupil},
    )


@role_required(roles.can_flag)
def pupil_flag(request: HttpRequest) -> HttpResponse:
    data = request.POST or None
    wants_new = request.method == "POST" and not request.POST.get("pupil")
    new_form = NewPupilForm(data, prefix="new")
    new_pupil = new_form.instance if wants_new and new_form.is_valid() else None
    form = FlagForm(
        data, user=request.user, new_pupil=new_pupil, new_pupil_entered=wants_new,
        initial={"pupil": request.GET.get("pupil"), "start_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid() and (new_pupil or not wants_new):
        episode = services.pupil_flag(episode=form.instance, by=request.user)
        messages.success(request, f"{episode.pupil} is flagged: {episode.get_kind_display()}.")
        # Runs after the new-flag e-mail is queued (or not), when the request's transaction commits.
        transaction.on_commit(lambda: _warn_if_notice_unqueued(request, episode))
        return redirect(episode.pupil)
    query = request.GET.get("q", "").strip()
    context = {
        "form": form, "new_form": new_form, "chosen": form.chosen_pupil(), "q": query,
        "results": _search(request, query),
    }
    return render(request, "pupils/pupil_flag.html", context)


SEARCH_RESULTS = 10


def _search(request: HttpRequest, query: str) -> list[Pupil]:
    """Pupils this user may see whose name or UPN matches (at least two characters; at most ten)."""
    if len(query) < 2:
        return []
    return list(Pupil.objects.visible_to(request.user).search(query).order_by("last_name", "first_name", "pk")
                [:SEARCH_RESULTS])


@role_required(roles.can_flag)
def pupil_search(request: HttpRequest) -> HttpResponse:
    """The pupils matching a search, to choose one in the flag form (htmx partial)."""
    query = request.GET.get("q", "").strip()
    return render(request, "pupils/_pupil_choices.html", {"results": _search(request, query), "q": query})


@role_required(roles.can_see_register)
def pupil_find(request: HttpRequest) -> HttpResponse:
    """The header's search: links to the pupils this user may see, leavers included (htmx partial)."""
    query = request.GET.get("q", "").strip()[:100]
    results = _search(request, query)
    # The suspensions page uses the same search to choose whose suspension to record.
    target = "pep:exclusion_add" if request.GET.get("to") == "exclusion" and roles.can_record_exclusions(
        request.user) else "pupils:detail"
    return render(request, "pupils/_header_results.html", {"results": results, "q": query, "target": target})


def _warn_if_notice_unqueued(request: HttpRequest, episode: Any) -> None:
    if queue_failed(topic="flag", ref=episode.pk):
        messages.warning(
            request, "The designated teachers could not be e-mailed about this flag just now: the task queue "
            "is not reachable. The flag is saved; they will see it on their dashboard and in tomorrow's "
            "reminder e-mail.",
        )


@role_required(roles.can_see_safeguarding_notes)
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    form = SafeguardingNoteForm(request.POST)
    if form.is_valid():
        services.note_add(pupil=pupil, text=form.cleaned_data["text"], by=request.user)
        messages.success(request, "The note is added.")
    else:
        messages.error(request, "The note is empty; nothing was added.")
    return redirect(pupil)


@role_required(roles.can_edit_pupils)
def pupil_records(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's attendance (with any concern and the contact log), attainment and SDQ scores."""
    pupil = get_pupil_for(request.user, pk)
    which = request.POST.get("form")
    forms = {
        "attendance": AttendanceForm(request.POST if which == "attendance" else None, pupil=pupil,
                                     prefix="attendance"),
        "attainment": AttainmentForm(request.POST if which == "attainment" else None, pupil=pupil,
                                     prefix="attainment"),
        "contact": AttendanceContactForm(request.POST if which == "contact" else None, pupil=pupil, prefix="contact"),
        "sdq": SdqForm(request.POST if which == "sdq" else None, pupil=pupil, prefix="sdq"),
        "grades": SubjectGradeForm(request.POST if which == "grades" else None, pupil=pupil, prefix="grades"),
    }
    form = forms.get(which)
    if form is not None and form.is_valid():
        if which == "contact":
            services.attendance_contact_add(contact=form.instance, by=request.user)
            messages.success(request, "The contact is logged.")
        elif which == "sdq":
            services.sdq_record(score=form.instance, by=request.user)
            messages.success(request, "The SDQ score is saved.")
        else:
            services.term_record_save(record=form.instance, by=request.user)
            saved = "grades are" if which == "grades" else f"{which} figures are"
            messages.success(request, f"The {saved} saved.")
        return redirect("pupils:records", pk=pupil.pk)
    today = timezone.localdate()
    concerns = attendance.attendance_concerns([pupil.pk], calendar=Term.calendar(), today=today)
    context = {
        "pupil": pupil, "attendance_form": forms["attendance"], "attainment_form": forms["attainment"],
        "contact_form": forms["contact"], "sdq_form": forms["sdq"], "grades_form": forms["grades"],
        "secondary": pupil.year_group() >= years.SECONDARY_FROM_YEAR,
        "grades": pupil.subject_grades.order_by("-academic_year", "-term", "subject"),
        "concern": concerns[0] if concerns else None,
        "attendance": pupil.attendance_records.order_by("-academic_year", "-term"),
        "attainment": pupil.attainment_records.order_by("-academic_year", "-term"),
        "contacts": pupil.attendance_contacts.select_related("by"),
        "sdq_scores": pupil.sdq_scores.all(),
    }
    return render(request, "pupils/pupil_records.html", context)


@role_required(roles.can_import_export)
def records_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["file"].help_text = (
        "A CSV with a header row: UPN, Academic year (2025 or 2025/26), Term, and Possible sessions and "
        "Attended sessions, and/or Reading, Writing, Maths (below, WTS, EXP, GDS) and KS2 reading, KS2 maths, "
        "KS2 GPS (scaled scores, 80 to 120). For GCSE grades: UPN, Academic year, Term, Subject, Working at, "
        "Predicted, Target (9 to 1, or U), one subject per row."
    )
    result = None
    if request.method == "POST" and form.is_valid():
        result = mis.records_import(data=form.cleaned_data["file"].read(), by=request.user)
        if result.ok:
            messages.success(request, f"Imported: {result.created} new records, {result.updated} updated.")
            return redirect("pupils:records_import")
    return render(request, "pupils/records_import.html", {"form": form, "result": result})


@role_required(roles.can_read_access_log)
def access_log(request: HttpRequest) -> HttpResponse:
    """Who viewed, changed, exported or downloaded pupils' data, and when; filtered, newest first."""
    log = AccessLogFilter(request.GET, queryset=AccessLog.objects.select_related("user"))
    entries = log.qs if log.is_valid() else AccessLog.objects.none()
    page = Paginator(entries, settings.ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    # Looked up apart, not joined: a filter on the pupil would make the join drop the
    # entries of pupils whose records are deleted.
    pupils = Pupil.objects.in_bulk({entry.pupil_id for entry in page if entry.pupil_id})
    for entry in page:
        entry.pupil_record = pupils.get(entry.pupil_id)
    query = request.GET.copy()
    query.pop("page", None)
    pupil_id = log.form.cleaned_data.get("pupil") if log.is_valid() else None
    context = {"filter": log, "page": page, "query": query.urlencode(), "pupil_id": pupil_id}
    return render(request, "pupils/access_log.html", context)
