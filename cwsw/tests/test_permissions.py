"""Every URL of the project, as every role and as an anonymous visitor."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pupils.tests.factories import CareEpisodeFactory, PupilFactory

ROLES = ["anonymous", "head", "dt_user", "dsl", "governor", "staff", "norole"]

# url name -> expected GET status per role (anonymous is always sent to log in).
#             head dt   dsl  gov  staff(own) staff(other) norole
EXPECTED = {
    "dashboard":            dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    "password_change":      dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    "password_change_done": dict(head=200, dt_user=200, dsl=200, governor=200, staff=200, norole=200),
    "cwsw:school":          dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "cwsw:terms":           dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "cwsw:terms_year":      dict(head=200, dt_user=200, dsl=403, governor=403, staff=403, norole=403),
    "pupils:list":          dict(head=200, dt_user=200, dsl=200, governor=403, staff=200, norole=403),
    "pupils:add":           dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:flag":          dict(head=200, dt_user=403, dsl=200, governor=403, staff=403, norole=403),
    "pupils:export":        dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:import":        dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:detail":        dict(head=200, dt_user=200, dsl=200, governor=403, staff=200, norole=403),
    "pupils:edit":          dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:episode_add":   dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:episode_edit":  dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:episode_end":   dict(head=200, dt_user=200, dsl=200, governor=403, staff=403, norole=403),
    "pupils:note_add":      dict(head=405, dt_user=403, dsl=405, governor=403, staff=403, norole=403),
}
# Not the app's own pages: Django's and the IT administrator's.
OUTSIDE = {"login", "logout", "admin"}


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


@pytest.fixture
def objects(staff):
    own = PupilFactory(key_adult=staff)
    episode = CareEpisodeFactory(pupil=own)
    other = PupilFactory()
    other_episode = CareEpisodeFactory(pupil=other)
    return {"own": own, "episode": episode, "other": other, "other_episode": other_episode}


def url_for(name, objects, which="own"):
    if name in {"pupils:episode_edit", "pupils:episode_end"}:
        key = "episode" if which == "own" else "other_episode"
        return reverse(name, args=[objects[key].pk])
    if name.startswith("pupils:") and name in {
        "pupils:detail", "pupils:edit", "pupils:episode_add", "pupils:note_add"
    }:
        return reverse(name, args=[objects[which].pk])
    if name == "cwsw:terms_year":
        return reverse(name, args=[2025])
    return reverse(name)


def test_it_lists_every_url_of_the_project():
    names = set(all_url_names()) - OUTSIDE
    assert names == set(EXPECTED), "add the new URL to EXPECTED with each role's status"


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_it_gives_each_role_the_expected_status(name, role, objects, request, client):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(url_for(name, objects))
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == EXPECTED[name][role]


@pytest.mark.parametrize("name", ["pupils:detail", "pupils:edit", "pupils:episode_add",
                                  "pupils:episode_edit", "pupils:episode_end"])
def test_it_hides_other_pupils_from_a_key_adult(name, objects, staff, client):
    client.force_login(staff)
    response = client.get(url_for(name, objects, which="other"))
    assert response.status_code in (403, 404)


@pytest.mark.parametrize("role", ["governor", "staff", "norole"])
def test_it_never_shows_a_pupil_name_where_it_should_not(role, objects, request, client):
    client.force_login(request.getfixturevalue(role))
    for name in EXPECTED:
        body = client.get(url_for(name, objects, which="other")).content.decode()
        assert objects["other"].last_name not in body, name
        assert objects["other"].upn not in body, name
