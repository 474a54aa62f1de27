"""One pupil: their page, details, care history, leaving, checklist steps, notes, and the DSL's flag."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.failures import queue_failed
from cwsw.forms import show_refusal
from cwsw.models import AccessLog
from cwsw.pages import form_page

from .. import chronology, cohort, history, progress, services, transitions
from ..access import get_episode_for, get_pupil_for, get_transition_item_for
from ..forms import (
    CareEpisodeForm,
    EndEpisodeForm,
    FlagForm,
    LeavingForm,
    NewPupilForm,
    PupilForm,
    SafeguardingNoteForm,
    TransitionDoneForm,
)
from .register import search


@role_required(roles.can_see_register)
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    # Read once here; the chronology reads the same records without asking the database again.
    prefetch_related_objects([pupil], chronology.episodes_prefetch())
    episodes = list(pupil.episodes.all())
    today = timezone.localdate()
    AccessLog.record(user=request.user, code="pupil.viewed", pupils=[pupil])
    category, kinship = pupil.standing_on(today)
    social_care = roles.can_see_social_care(request.user)
    plan = cohort.plan_from_episodes(episodes, today) if social_care else None
    context = {
        "pupil": pupil,
        "category": category,
        # CP or CIN, and the kinship marker, are social-care details: a key adult sees only the category.
        "plan": plan,
        "kinship": kinship and social_care,
        "category_label": cohort.category_label(category, plan) if category else "",
        "episodes": episodes,
        "today": today,
        # The DSL's new flags wait for the designated teacher to mark them read (a page view writes nothing).
        "unseen_flags": roles.is_designated_teacher(request.user) and any(e.is_flag_unseen for e in episodes),
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


@role_required(roles.is_designated_teacher)
@require_POST
def flags_seen(request: HttpRequest, pk: int) -> HttpResponse:
    """The designated teacher marks the DSL's new flags on this pupil as read."""
    pupil = get_pupil_for(request.user, pk)
    if services.flags_mark_seen(pupil=pupil, by=request.user):
        messages.success(request, "The new flags are marked as read.")
    return redirect(pupil)


@role_required(roles.can_see_social_care)
def pupil_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what on this pupil's records, from what, to what: the records this role may see."""
    pupil = get_pupil_for(request.user, pk)
    AccessLog.record(user=request.user, code="pupil.history_viewed", pupils=[pupil])
    context = {
        "pupil": pupil,
        "changes": history.pupil_history(pupil, request.user),
        "sections": [s.title for s in history.sections_for(request.user)],
    }
    return render(request, "pupils/pupil_history.html", context)


def _form_page(request: HttpRequest, *, form: Any, act: Any, done: Any, title: str, pupil: Any = None,
               template: str = "pupils/form.html", extra: dict | None = None) -> HttpResponse:
    return form_page(request, form=form, act=act, done=done, to=lambda record: getattr(record, "pupil", record),
                     template=template, context={"title": title, "pupil": pupil, **(extra or {})})


@role_required(roles.can_edit_pupils)
def pupil_add(request: HttpRequest) -> HttpResponse:
    return _form_page(request, form=PupilForm(request.POST or None), title="Add a pupil",
                      act=lambda values: services.pupil_create(by=request.user, **values),
                      done=lambda pupil: f"{pupil} is on the register.")


@role_required(roles.can_edit_pupils)
def pupil_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    return _form_page(request, form=PupilForm(request.POST or None, instance=pupil), title=f"Edit {pupil}",
                      pupil=pupil, act=lambda values: services.pupil_update(pupil=pupil, by=request.user, **values),
                      done=lambda record: "Saved.")


def _left_words(pupil: Any) -> str:
    if pupil.leaving_date:
        return f"{pupil} leaves on {pupil.leaving_date:%-d %b %Y}."
    return f"{pupil} stays on roll: the leaving date is cleared."


@role_required(roles.can_edit_pupils)
def pupil_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """Record when and why the pupil leaves, and where to; a cohort pupil's transfer checklist follows."""
    pupil = get_pupil_for(request.user, pk)
    steps = [s for s in transitions.STEPS.values() if s.checklist == transitions.LEAVING]
    return _form_page(request, form=LeavingForm(request.POST or None, instance=pupil), title="", pupil=pupil,
                      template="pupils/leaving.html", extra={"steps": steps},
                      act=lambda values: services.pupil_leave(pupil=pupil, by=request.user, **values),
                      done=_left_words)


@role_required(roles.can_see_social_care)
def transition_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one step of a pupil's joining or leaving checklist done."""
    item = get_transition_item_for(request.user, pk)
    return _form_page(
        request, form=TransitionDoneForm(request.POST or None, item=item), pupil=item.pupil,
        title=f"{item.label}: {item.pupil}",
        extra={"intro": f"Due {item.due_date:%-d %b %Y} ({item.definition.deadline_words})."},
        act=lambda values: services.transition_done(item=item, by=request.user, **values),
        done=lambda record: f"Done: {record.label}.",
    )


@role_required(roles.can_edit_pupils)
def episode_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_pupil_for(request.user, pk)
    return _form_page(request, form=CareEpisodeForm(request.POST or None, pupil=pupil), pupil=pupil,
                      title=f"Add a care episode for {pupil}",
                      act=lambda values: services.episode_save(pupil=pupil, by=request.user, **values),
                      done=lambda episode: "The episode is added.")


@role_required(roles.can_edit_pupils)
def episode_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_episode_for(request.user, pk)
    form = CareEpisodeForm(request.POST or None, instance=episode, pupil=episode.pupil)
    return _form_page(request, form=form, pupil=episode.pupil, title=f"Edit episode: {episode}",
                      act=lambda values: services.episode_save(pupil=episode.pupil, episode=episode, by=request.user,
                                                               **values),
                      done=lambda record: "The episode is saved.")


@role_required(roles.can_edit_pupils)
def episode_end(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_episode_for(request.user, pk)
    return _form_page(request, form=EndEpisodeForm(request.POST or None, instance=episode), pupil=episode.pupil,
                      title=f"End episode: {episode}",
                      act=lambda values: services.episode_end(episode=episode, by=request.user, **values),
                      done=lambda record: "The episode is ended.")


@role_required(roles.can_flag)
def pupil_flag(request: HttpRequest) -> HttpResponse:
    data = request.POST or None
    wants_new = request.method == "POST" and not request.POST.get("pupil")
    # Only the section used is checked: with a pupil chosen, the new-pupil section is left alone, not
    # shown back with "required" against each of its empty fields.
    new_form = NewPupilForm(data if wants_new else None, prefix="new")
    new_pupil = new_form.instance if wants_new and new_form.is_valid() else None
    form = FlagForm(
        data, user=request.user, new_pupil=new_pupil, new_pupil_entered=wants_new,
        initial={"pupil": request.GET.get("pupil"), "start_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid() and (new_pupil or not wants_new):
        values = dict(form.cleaned_data)
        pupil = values.pop("pupil", None)
        try:
            episode = services.pupil_flag(pupil=pupil, new_pupil=new_form.cleaned_data if pupil is None else None,
                                          by=request.user, **values)
        except ValidationError as refusal:
            show_refusal(form, refusal)
        else:
            messages.success(request, f"{episode.pupil} is flagged: {episode.get_kind_display()}.")
            # Runs after the new-flag e-mail is queued (or not), when the request's transaction commits.
            transaction.on_commit(lambda: _warn_if_notice_unqueued(request, episode))
            return redirect(episode.pupil)
    query = request.GET.get("q", "").strip()
    context = {
        "form": form, "new_form": new_form, "chosen": form.chosen_pupil(), "q": query,
        "results": search(request, query),
    }
    return render(request, "pupils/pupil_flag.html", context)


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
