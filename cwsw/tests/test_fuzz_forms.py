"""Every form in the app, fed random and hostile input (hypothesis).

Each page the headteacher can open is read for its POST forms; hypothesis fills every field
with over-long text, odd Unicode, impossible dates, negative and huge amounts, HTML and
script, or now and then a sensible value, and posts it. Whatever is sent:
- the answer is never a server error;
- a form that comes back with errors has saved nothing (no row added, changed or removed,
  history included);
- nothing sent comes back unescaped.
"""

import os
from html.parser import HTMLParser

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwsw.tests.auth import sign_in
from cwsw.tests.test_permissions import EXPECTED, objects, url_for  # noqa: F401 (objects is a fixture)

pytestmark = pytest.mark.django_db

# Per page; FUZZ_EXAMPLES=500 for a longer, randomised hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 15))
# Pages whose forms are not the app's data entry, or would end the session under test.
NOT_FUZZED = {"two_factor_remove", "two_factor_verify", "two_factor_backup_codes"}
PAGES = sorted(name for name, status in EXPECTED.items() if status["head"] == 200 and name not in NOT_FUZZED)

HOSTILE = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</textarea><script>x()</script>",
    "' OR 1=1 --", "Robert'); DROP TABLE pupils_pupil;--", "x" * 5000, "\u202egnp.exe", "\x00null", "\ufeff",
    "𝕯𝖊𝖒𝖔 𝖕𝖚𝖕𝖎𝖑", "Zàlgơ̸̢̈ͅ", "١٢٣", "  ", "", "-1", "-0.01", "0", "1e308", "NaN", "Infinity",
    "99999999999999999999", "0.001", "12345678.999", "-99999", "9999-12-31", "0001-01-01", "2025-02-30",
    "1899-12-31", "31/12/9999", "2026-13-01", "yesterday", "on", "true", "None",
]
# What a value must not come back as: the raw markup a hostile value carries.
MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<script>x()</script>"]

values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.dates().map(lambda d: d.isoformat()),
)


class FormReader(HTMLParser):
    """The POST forms on a page: action and fields (name, kind, options, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "fields": []})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            self.forms[-1]["fields"].append({"name": a["name"], "kind": a.get("type", "text"),
                                             "value": a.get("value", "")})
        elif tag == "textarea" and a.get("name"):
            self.forms[-1]["fields"].append({"name": a["name"], "kind": "textarea", "value": ""})
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "kind": "select", "options": [], "value": ""}
            self.forms[-1]["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def post_forms(html: str) -> list[dict]:
    reader = FormReader()
    reader.feed(html)
    # The logout button and the "Stay signed in" of the session warning are on every page; neither is data entry.
    return [f for f in reader.forms if f["method"] == "post"
            and not f["action"].endswith(("/logout/", "/session/keepalive/"))]


def fill(draw, form: dict) -> dict:
    data: dict = {}
    for field in form["fields"]:
        name, kind = field["name"], field["kind"]
        if kind == "hidden" and name == "csrfmiddlewaretoken":
            continue
        if kind in ("submit", "file"):
            continue
        if kind in ("checkbox", "radio"):
            if draw(st.booleans()):
                data.setdefault(name, []).append(field["value"] or "on")
            continue
        sensible = field["options"] if kind == "select" else [field["value"]]
        if draw(st.integers(0, 3)) == 0 and any(sensible):
            data[name] = draw(st.sampled_from([o for o in sensible if o] or [""]))
        else:
            data[name] = draw(values)
    return data


def rows_everywhere() -> dict[str, int]:
    """Rows of every model the forms can write (the access log grows with every view: left out)."""
    counted = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in {"pupils", "pep", "reporting", "cwsw", "otp_totp", "otp_static"} \
                and label not in {"cwsw.accesslog"}:
            counted[label] = model._default_manager.count()
    return counted


def shows_errors(body: str) -> bool:
    return "is-invalid" in body or "errorlist" in body or "invalid-feedback" in body or "alert-danger" in body


@pytest.mark.parametrize("name", PAGES)
def test_it_lets_no_input_break_a_form_or_half_save(name, objects, head, client):  # noqa: F811
    sign_in(client, head)
    url = url_for(name, objects)
    page = client.get(url)
    html = "" if page.streaming or not page["Content-Type"].startswith("text/html") else page.content.decode()
    forms = post_forms(html)
    if not forms:
        assert name not in PAGES_WITH_FORMS, f"{name} should show a form"
        return
    assert name in PAGES_WITH_FORMS, f"{name} has a form: add it to PAGES_WITH_FORMS"

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("FUZZ_EXAMPLES"),
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.data())
    def post_something(data):
        form = data.draw(st.sampled_from(forms))
        payload = fill(data.draw, form)
        before = rows_everywhere()
        response = client.post(form["action"] or url, payload, follow=True)
        assert response.status_code < 500
        body = response.content.decode(errors="replace")
        for markup in MARKUP:
            assert markup not in body, f"{markup} came back unescaped"
        if response.redirect_chain == [] and shows_errors(body):
            assert rows_everywhere() == before, "a form with errors saved something"

    post_something()


# The pages that show the head at least one POST form (kept in step with the pages by the test above).
PAGES_WITH_FORMS = {
    "cwsw:school", "cwsw:terms", "cwsw:terms_year", "cwsw:terms_import", "pupils:add", "pupils:flag", "pupils:import",
    "pupils:detail", "pupils:edit", "pupils:episode_add", "pupils:episode_edit", "pupils:episode_end",
    "pupils:records", "pupils:records_import", "pupils:ctf_import", "pupils:marks_import", "pep:pep_add",
    "pep:pep_hold", "pep:rate_add",
    "pep:pep_reopen", "pep:pep_rate", "pep:pep_detail", "pep:pep_invite", "pep:target_add", "pep:target_edit",
    "pep:allocation_add", "pep:spend_add",
    "pep:allocation_edit", "pep:allocation_withdraw", "pep:spend_edit", "pep:spend_withdraw",
    "pep:exclusion_add", "pep:exclusion_edit", "reporting:governor_report_list", "reporting:narrative",
    "reporting:narrative_year", "reporting:school_figures", "reporting:school_figures_year", "reporting:training",
    "password_change", "two_factor", "two_factor_enrol",
    "pupils:leave", "pupils:transition_done", "pep:transfer_packs", "pep:provision_add", "pep:provision_edit",
}
