from typing import Any

from django.http import HttpRequest

from . import roles


def permissions(request: HttpRequest) -> dict[str, Any]:
    """Tell templates what the user's roles allow, so menus show only what they may use."""
    user = request.user
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
            "governor_report": roles.can_read_governor_report(user),
            "read_access_log": roles.can_read_access_log(user),
            "review_retention": roles.can_review_retention(user),
        },
        "user_roles": sorted(roles.roles_of(user)),
    }
