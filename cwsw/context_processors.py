from typing import Any

from django.http import HttpRequest

from . import roles

# The header's sections, by the URL names (or their beginnings) that belong to them; the first match wins.
NAV_SECTIONS = (
    ("flag", ("pupils:flag", "pupils:search")),
    ("import", ("pupils:import", "pupils:records_import", "pupils:ctf_import", "pupils:marks_import")),
    ("access_log", ("pupils:access_log",)),
    ("retention", ("pupils:retention", "pupils:erase")),
    ("register", ("pupils:", "pep:pupil")),
    ("peps", ("pep:grid", "pep:pep_", "pep:target")),
    ("pp_plus", ("pep:pp_", "pep:rate", "pep:allocation", "pep:spend")),
    ("suspensions", ("pep:exclusion",)),
    ("reports", ("reporting:governor_report", "reporting:narrative", "reporting:school_figures",
                 "reporting:training")),
    ("school", ("cwsw:",)),
    ("reminders", ("reporting:digest",)),
    ("password", ("password_change",)),
    ("two_factor", ("two_factor",)),
    ("dashboard", ("dashboard",)),
)
MORE_MENU = frozenset({"import", "access_log", "retention", "school"})


def nav_section(view_name: str) -> str:
    """The header section a page belongs to, marked as the current one ("" when none)."""
    for section, names in NAV_SECTIONS:
        if view_name.startswith(names):
            return section
    return ""


def permissions(request: HttpRequest) -> dict[str, Any]:
    """Tell templates what the user's roles allow, so menus show only what they may use."""
    user = request.user
    match = getattr(request, "resolver_match", None)
    section = nav_section(match.view_name) if match else ""
    return {
        "can": {
            "see_register": roles.can_see_register(user),
            "see_social_care": roles.can_see_social_care(user),
            "edit_pupils": roles.can_edit_pupils(user),
            "flag": roles.can_flag(user),
            "import_export": roles.can_import_export(user),
            "manage_school": roles.can_manage_school(user),
            "see_safeguarding_notes": roles.can_see_safeguarding_notes(user),
            "casework": roles.can_do_casework(user),
            "exclusions": roles.can_record_exclusions(user),
            "provision": roles.can_record_provision(user),
            "governor_report": roles.can_read_governor_report(user),
            "read_access_log": roles.can_read_access_log(user),
            "review_retention": roles.can_review_retention(user),
        },
        "user_roles": sorted(roles.roles_of(user)),
        "nav_section": section,
        "nav_more": section in MORE_MENU,
    }
