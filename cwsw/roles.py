"""Roles are Django groups; this module is the one place that says what each may do."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group

HEADTEACHER = "Headteacher"
DESIGNATED_TEACHER = "Designated teacher"
DSL = "Designated safeguarding lead"
GOVERNOR = "Governor"
STAFF = "Staff"

ALL_ROLES = (HEADTEACHER, DESIGNATED_TEACHER, DSL, GOVERNOR, STAFF)

# Roles that work with the whole register and its social-care details.
CASEWORK_ROLES = frozenset({HEADTEACHER, DESIGNATED_TEACHER, DSL})

User = AbstractBaseUser | AnonymousUser


def roles_of(user: User) -> frozenset[str]:
    """Return the names of the user's role groups, cached on the user for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cwsw_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._cwsw_roles = cached
    return cached


def has_role(user: User, *roles: str) -> bool:
    """Return True if the user holds any of the given roles."""
    return not roles_of(user).isdisjoint(roles)


def can_see_whole_register(user: User) -> bool:
    return has_role(user, *CASEWORK_ROLES)


def can_see_register(user: User) -> bool:
    """Staff see the register too, limited to the pupils they are key adult for."""
    return can_see_whole_register(user) or has_role(user, STAFF)


def can_see_social_care(user: User) -> bool:
    """Care episodes, legal statuses and social workers: casework roles only."""
    return can_see_whole_register(user)


def can_edit_pupils(user: User) -> bool:
    return can_see_whole_register(user)


def can_flag(user: User) -> bool:
    """Flagging a pupil as CIN or CP is the DSL's job (and the head's)."""
    return has_role(user, DSL, HEADTEACHER)


def can_see_safeguarding_notes(user: User) -> bool:
    return has_role(user, DSL, HEADTEACHER)


def can_import_export(user: User) -> bool:
    return can_see_whole_register(user)


def can_manage_school(user: User) -> bool:
    """School profile and term dates."""
    return has_role(user, HEADTEACHER, DESIGNATED_TEACHER)


def can_do_casework(user: User) -> bool:
    """PEPs and Pupil Premium Plus: the designated teacher's work (and the head's)."""
    return has_role(user, DESIGNATED_TEACHER, HEADTEACHER)


def can_record_exclusions(user: User) -> bool:
    """Suspensions and the Virtual School consultation; the DSL tells the social worker."""
    return can_see_whole_register(user)


def can_record_provision(user: User) -> bool:
    """Alternative provision and part-time timetables: the DT's, the DSL's and the head's."""
    return can_see_whole_register(user)


def can_read_governor_report(user: User) -> bool:
    """The anonymised annual report: governors, the headteacher and the designated teacher."""
    return has_role(user, GOVERNOR, HEADTEACHER, DESIGNATED_TEACHER)


def requires_two_factor(user: User) -> bool:
    """DT, DSL and headteacher must log in with a code; so must anyone who can use the admin."""
    return user.is_authenticated and (user.is_staff or has_role(user, *CASEWORK_ROLES))


def can_read_access_log(user: User) -> bool:
    """Who viewed, changed, exported or downloaded a pupil's data: the headteacher."""
    return has_role(user, HEADTEACHER)


def can_see_task_failures(user: User) -> bool:
    """Background work that could not be queued or failed after its retries: the headteacher."""
    return has_role(user, HEADTEACHER)


def can_review_retention(user: User) -> bool:
    """Deleting records past the retention point is the headteacher's decision."""
    return has_role(user, HEADTEACHER)


def is_designated_teacher(user: User) -> bool:
    return has_role(user, DESIGNATED_TEACHER)


def ensure_groups() -> None:
    """Create the role groups if they are missing (tests flush the migration's rows)."""
    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)
