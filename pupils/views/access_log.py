"""The head's access log: who viewed, changed, exported or downloaded which pupil's data, and when.

Rows are shown in words drawn from their codes, a request's rows together; one pupil's entries can be
exported for a subject access request (the export is itself logged).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cwsw import roles
from cwsw.decorators import role_required
from cwsw.models import AccessLog
from cwsw.pages import csv_download

from ..filters import AccessLogForm
from ..models import Pupil


@dataclass
class RequestRows:
    """The rows one request wrote, as the log shows them: one line, its pupils listed under it."""

    first: AccessLog
    entries: list[AccessLog] = field(default_factory=list)

    @property
    def pupils(self) -> list[AccessLog]:
        return [entry for entry in self.entries if entry.pupil_id]


def grouped(entries: list[AccessLog]) -> list[RequestRows]:
    """Consecutive rows written by one request (same request id and code) as one group."""
    groups: list[RequestRows] = []
    for entry in entries:
        last = groups[-1].first if groups else None
        if (last is not None and entry.request_id is not None and last.request_id == entry.request_id
                and last.code == entry.code):
            groups[-1].entries.append(entry)
        else:
            groups.append(RequestRows(entry, [entry]))
    return groups


@role_required(roles.can_read_access_log)
def access_log(request: HttpRequest) -> HttpResponse:
    """Who viewed, changed, exported or downloaded pupils' data, and when; filtered, newest first."""
    form = AccessLogForm(request.GET)
    entries = form.entries(AccessLog.objects.select_related("user"))
    page = Paginator(entries, settings.ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    # Looked up apart, not joined: a filter on the pupil would make the join drop the
    # entries of pupils whose records are deleted.
    pupils = Pupil.objects.in_bulk({entry.pupil_id for entry in page if entry.pupil_id})
    for entry in page:
        entry.pupil_record = pupils.get(entry.pupil_id)
    query = request.GET.copy()
    query.pop("page", None)
    pupil_id = form.cleaned_data.get("pupil") if form.is_valid() else None
    context = {"form": form, "page": page, "groups": grouped(list(page)), "query": query.urlencode(),
               "pupil_id": pupil_id}
    return render(request, "pupils/access_log.html", context)


EXPORT_HEADER = ["When", "Who", "What", "Kind", "Page", "Record", "Details", "Request"]


def _export_row(entry: AccessLog) -> list[Any]:
    record = f"{entry.object_type} {entry.object_id}" if entry.object_type else ""
    details = "; ".join(f"{key}: {value}" for key, value in sorted(entry.data.items())) if entry.data else ""
    return [timezone.localtime(entry.at).isoformat(timespec="seconds"), entry.who, entry.words,
            entry.get_action_display(), entry.page_words, record, details or entry.detail, entry.request_id or ""]


EXPORT_MOST = 50_000


@role_required(roles.can_read_access_log)
def access_log_export(request: HttpRequest) -> HttpResponse:
    """Every access-log entry about one pupil, as CSV: what a subject access request is answered with. Without
    a pupil, the entries the page's filters hold, oldest first, with each entry's pupil (its UPN, or its number
    once the record is deleted)."""
    if "pupil" not in request.GET or not request.GET["pupil"]:
        return _filtered_export(request)
    try:
        pupil_id = int(request.GET.get("pupil", ""))
    except ValueError:
        raise Http404 from None
    entries = list(AccessLog.objects.filter(pupil_id=pupil_id).select_related("user").order_by("at", "id"))
    if not entries and not Pupil.objects.filter(pk=pupil_id).exists():
        raise Http404
    AccessLog.record(user=request.user, code="accesslog.exported", pupils=[pupil_id],
                     data={"entries": len(entries)})
    response = csv_download(f"access-log-pupil-{pupil_id}.csv")
    writer = csv.writer(response)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(_export_row(entry) for entry in entries)
    return response


def _filtered_export(request: HttpRequest) -> HttpResponse:
    form = AccessLogForm(request.GET)
    entries = form.entries(AccessLog.objects.select_related("user")).order_by("at", "id")
    if not form.is_valid():
        messages.error(request, "Correct the filters, then export.")
        return redirect(reverse("pupils:access_log") + "?" + request.GET.urlencode())
    count = entries.count()
    if count > EXPORT_MOST:
        messages.error(request, f"These filters hold {count:,} entries; narrow them (dates, a user, a kind of "
                                f"action) to {EXPORT_MOST:,} or fewer to export.")
        return redirect(reverse("pupils:access_log") + "?" + request.GET.urlencode())
    entries = list(entries)
    ids = sorted({entry.pupil_id for entry in entries if entry.pupil_id})
    upns = dict(Pupil.objects.filter(pk__in=ids).values_list("pk", "upn"))
    AccessLog.record(user=request.user, code="accesslog.exported", pupils=ids or [None],
                     data={"entries": len(entries), "filters": request.GET.urlencode()[:500]})
    response = csv_download(f"access-log-{timezone.localdate().isoformat()}.csv")
    writer = csv.writer(response)
    writer.writerow([*EXPORT_HEADER, "Pupil"])
    for entry in entries:
        pupil = upns.get(entry.pupil_id) or (f"deleted record {entry.pupil_id}" if entry.pupil_id else "")
        writer.writerow([*_export_row(entry), pupil])
    return response
