"""Telling people: notifications, reminders, email, and the job runner that schedules them.

notify (the kinds of reminder, notifications in the portal, each person's email choices),
reminders (which are due, computed from the facts when asked), mailer (the outbox and SMTP), jobs
(scheduled work: reminders, digests, email, backups, nightly exports). The top of core: it may
import every other area, and nothing in core imports it.
"""

from core.messaging import jobs, reminders
from core.oversight.comments import when_commented


@when_commented
def _tell_about_comment(db, student_id: int) -> None:
    """Give the notifications a new comment calls for now, and wake the mail runner if one was emailed."""
    if reminders.remind_student(db, student_id).emailed:
        jobs.kick()
