"""The shape every form page shares: validate, call the service, show its refusal on the form or go on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import show_refusal


def form_page(
    request: HttpRequest, *, form: forms.BaseForm, act: Callable[[dict[str, Any]], Any],
    done: str | Callable[[Any], str], to: Callable[[Any], Any], template: str, context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show the form; on a valid POST call `act` with its values (a service). A refusal from the service is
    shown next to the field it names (else at the top) and nothing is saved; otherwise say `done` and go `to`
    the place the saved record gives."""
    if request.method == "POST" and form.is_valid():
        try:
            record = act(form.cleaned_data)
        except ValidationError as refusal:
            show_refusal(form, refusal)
        else:
            messages.success(request, done(record) if callable(done) else done)
            return redirect(to(record))
    return render(request, template, {"form": form, **(context or {})})


def csv_download(filename: str) -> HttpResponse:
    """An empty CSV response the browser saves as `filename`; write rows to it with csv.writer."""
    return HttpResponse(content_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
