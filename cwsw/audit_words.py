"""The school-wide app's action codes and page names, in words (registered in `CwswConfig.ready`)."""

from .audit import CHANGE, DOWNLOAD, EXPORT, VIEW

ACTIONS = [
    ("pupil.viewed", VIEW, "Viewed"),
    ("report.downloaded", DOWNLOAD, "Downloaded the Report to Governors"),
    ("accesslog.exported", EXPORT, "Exported their access-log entries (subject access request)"),
    ("calendar.saved", CHANGE, "Saved term dates"),
]

PAGES = {
    "login": "Log in",
    "logout": "Log out",
    "session_keepalive": "Stay signed in",
    "floor": "Floor (benchmark)",
    "table_floor": "Table floor (benchmark)",
    "two_factor_verify": "Two-factor code",
    "two_factor": "Two-factor login settings",
    "two_factor_enrol": "Set up two-factor login",
    "two_factor_backup_codes": "Two-factor backup codes",
    "two_factor_remove": "Turn off two-factor login",
    "password_change": "Change password",
    "password_change_done": "Password changed",
    "password_reset": "Forgotten password",
    "password_reset_done": "Password reset sent",
    "password_reset_confirm": "Set a new password",
    "password_reset_complete": "New password set",
    "cwsw:school": "School details",
    "cwsw:terms": "Term dates",
    "cwsw:terms_year": "Term dates",
    "cwsw:terms_import": "Import term dates",
}
