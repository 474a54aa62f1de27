"""Reporting's action codes and page names, in words (registered in `ReportingConfig.ready`)."""

from cwsw.audit import EXPORT

ACTIONS = [
    ("due.exported", EXPORT, "Exported a list of what is due (CSV)"),
]

PAGES = {
    "dashboard": "Dashboard",
    "reporting:governor_report_list": "Reports to Governors",
    "reporting:governor_report": "A Report to Governors",
    "reporting:governor_report_download": "A Report to Governors (download)",
    "reporting:narrative": "Report narrative",
    "reporting:narrative_year": "Report narrative",
    "reporting:school_figures": "Whole-school figures",
    "reporting:school_figures_year": "Whole-school figures",
    "reporting:training": "Training",
    "reporting:digest": "Reminders",
    "reporting:due_list": "A list of what is due",
    "reporting:due_export": "A list of what is due (CSV)",
}
