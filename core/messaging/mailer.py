"""Email: reminders rendered from the content library into the outbox, and the outbox sent over SMTP.

Settings (PORTAL_SMTP_HOST, _PORT, _SECURITY starttls|tls|none, _USER, _PASSWORD, _FROM): with no
host, email is off and only in-portal notifications are given; a demo portal then keeps the
emails it would have sent as `held`, for the career office's Outbox page.

Sending, once and only once:
- an email is claimed (state `sending`) in its own transaction before it is handed to the server,
  so two runners never send the same one;
- a failure the server reports (it refused, it was unreachable) is certain not to have been
  delivered: it is retried with backoff (RETRY_AFTER) and then shown as failed;
- an email left `sending` by a runner that died is uncertain (the server may have taken it before
  the death): it is marked failed with that explanation and not sent again on its own, so nobody
  receives a reminder twice; the career office can send it again from the Outbox page.

Every value that comes from people (names, comments) is escaped in the HTML alternative; the
plain-text part carries it as text.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import socket
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any
from urllib.parse import urlsplit

from core.admin.library import read_content
from core.campaign.ics import build_calendar
from core.campaign.merge_fields import fill
from core.clock import utcnow
from core.config import LOCAL_ADDRESS, Settings, get_settings
from core.errors import MailError, check_id
from core.identity.access import active_only, require_role
from core.messaging import notify
from core.models import Actor, Role
from core.store.db import Cursor, Database, row, rows, rows_table

log = logging.getLogger(__name__)

RETRY_AFTER = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
"""Waits between attempts after a temporary failure; after the last, the email is failed."""
STALE_CLAIM = timedelta(minutes=10)
"""An email claimed longer ago than this by a runner that never finished is treated as interrupted."""
TEMPLATE_PREFIX = "email_"


def email_status(settings: Settings | None = None, *, for_career_office: bool = True) -> str:
    """One sentence on whether this portal sends email: for the career office, how it is sent or how to
    turn it on; for everyone else, what it means for them, without the server's settings."""
    settings = settings or get_settings()
    if not for_career_office:
        if settings.email_configured:
            return "Email is on: what you choose below also reaches you by email."
        return ("Email is not set up at your institution yet, so nothing is sent by email. Your notifications "
                "still appear here in the portal.")
    if settings.email_configured:
        links = (f" Links in emails open {settings.public_address}." if settings.base_url else
                 f" Links in emails point at {LOCAL_ADDRESS}, which nobody else can open: set PORTAL_BASE_URL.")
        return (f"Email is on: sent through {settings.smtp_host}:{settings.smtp_port} "
                f"({settings.smtp_security}) from {settings.smtp_from}." + links)
    held = " This demo portal keeps the emails it would send on the Outbox page." if settings.demo_mode else ""
    return ("Email is off: no SMTP server is set (PORTAL_SMTP_HOST and PORTAL_SMTP_FROM, see "
            "docs/administration.md). Notifications still appear in the portal." + held)


# ---------------------------------------------------------------- rendering

def templates(cur: Cursor) -> dict[str, dict[str, Any]]:
    """kind -> the career office's current email template (subject, body), from the content library,
    falling back to the shipped text for a kind the stored library lacks."""
    found = {t["category"].removeprefix(TEMPLATE_PREFIX): t for t in rows(
        cur, """SELECT category, subject, body FROM library_items WHERE kind = 'template' AND category LIKE ?
                AND retired_at IS NULL ORDER BY position DESC, id DESC""", [TEMPLATE_PREFIX + "%"])}
    for entry in read_content():
        if entry["kind"] == "template" and entry["category"].startswith(TEMPLATE_PREFIX):
            found.setdefault(entry["category"].removeprefix(TEMPLATE_PREFIX), entry)
    return found


def _link(settings: Settings, page: str, params: str = "") -> str:
    """Every link in every email: the portal's public address (PORTAL_BASE_URL), a page, its parameters."""
    return f"{settings.public_address}/{page}" + (f"?{params}" if params else "")


def _digest_lines(values: dict[str, Any], settings: Settings) -> list[tuple[str, str]]:
    return [(f"{s['name']}: {s['why']}", _link(settings, "counselor_student", f"student={s['student_id']}"))
            for s in values.get("students", [])]


def render(template: dict[str, Any], due: Any, person: dict[str, Any], settings: Settings,
           extra: dict[str, Any] | None = None) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one reminder for one person."""
    values: dict[str, Any] = {**due.values, **(extra or {})}
    # A role's home page is the portal's root address for that person (it has no path of its own).
    home = notify.HOME_PAGES.get(Role(person["role"])) if person.get("role") else None
    link = _link(settings, "" if due.page == home else due.page, due.params)
    settings_link = _link(settings, notify.SETTINGS_PAGE, "section=notifications")
    text_values = {k: str(v) for k, v in values.items() if isinstance(v, (str, int))}
    text_values.update({"recipient_first_name": person["first_name"] or "", "title": due.title,
                        "details": due.body, "link": link, "settings_link": settings_link})
    subject = " ".join(fill(template["subject"], text_values).split())[:300] or due.title
    body = fill(template["body"], text_values)
    digest = _digest_lines(values, settings) if due.kind == "digest" else []
    if digest:
        body += "\n\n" + "\n".join(f"- {line}\n  {url}" for line, url in digest)
        if values.get("more"):
            body += f"\n\n…and {values['more']} more on your dashboard."
    body += f"\n\n--\nChoose which reminders reach you by email: {settings_link}\n"

    # The HTML part: the template and every value escaped, then the two links made clickable.
    html_values = {k: html.escape(v) for k, v in text_values.items()}
    html_values["link"] = f'<a href="{html.escape(link)}">{html.escape(link)}</a>'
    html_values["settings_link"] = f'<a href="{html.escape(settings_link)}">{html.escape(settings_link)}</a>'
    html_body = _paragraphs(fill(html.escape(template["body"]), html_values))
    if digest:
        html_body += "<ul>" + "".join(f'<li><a href="{html.escape(url)}">{html.escape(line)}</a></li>'
                                      for line, url in digest) + "</ul>"
    html_body += (f'<hr><p style="font-size:small">Choose which reminders reach you by email: '
                  f'{html_values["settings_link"]}</p>')
    return subject, body, f"<!DOCTYPE html><html><body>{html_body}</body></html>"


def _paragraphs(escaped: str) -> str:
    return "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in re.split(r"\n\s*\n", escaped.strip()) if part)


def message_id(fact_key: str, to_address: str, settings: Settings) -> str:
    """The same Message-ID for the same reminder to the same address, whoever renders it."""
    domain = urlsplit(settings.base_url).hostname or "interview-portal"
    local = re.sub(r"[^A-Za-z0-9.-]", ".", f"{fact_key}.{to_address}")[:180]
    return f"<{local}@{domain}>"


def _meeting_calendar(cur: Cursor, meeting_id: int) -> tuple[bytes, list[str]] | None:
    meeting = row(cur, "SELECT * FROM meetings WHERE id = ?", [meeting_id])
    if meeting is None:
        return None
    contact = row(cur, "SELECT first_name, last_name, organization FROM contacts WHERE id = ?", [meeting["contact_id"]])
    questions = [r["text"] for r in rows(
        cur, "SELECT text FROM planned_questions WHERE contact_id = ? ORDER BY position, id", [meeting["contact_id"]])]
    return build_calendar(meeting, contact, questions), questions


def queue(cur: Cursor, due: list[Any], *, now: datetime, settings: Settings) -> int:
    """Render and queue the emails of reminders just given (inside the giving transaction): to each
    person who takes that kind by email. Returns how many were queued (0 when email is off, outside demo)."""
    if not due or not (settings.email_configured or settings.demo_mode):
        return 0
    state = "pending" if settings.email_configured else "held"
    if settings.emails_link_nowhere:
        log.warning("email is on but PORTAL_BASE_URL is not set: the links in these emails point at %s, which "
                    "the people who receive them cannot open", LOCAL_ADDRESS)
    people = {p["id"]: p for p in rows(
        cur, """SELECT id, email, first_name, last_name, active, role FROM users
                WHERE id IN (SELECT unnest(CAST(? AS BIGINT[])))""", [sorted({d.user_id for d in due})])}
    wanting: dict[str, set[int]] = {}
    for kind in {d.kind for d in due}:
        wanting[kind] = notify.wants_email(cur, [d.user_id for d in due if d.kind == kind], kind)
    shipped = templates(cur)
    out: list[dict[str, Any]] = []
    for d in due:
        person = people.get(d.user_id)
        if person is None or not person["active"] or not person["email"] or d.user_id not in wanting[d.kind]:
            continue
        template = shipped.get(d.kind)
        if template is None:
            log.warning("no email template for %s; only the in-portal notification is given", d.kind)
            continue
        attachment = None
        extra: dict[str, Any] = {}
        if d.meeting_id is not None:
            calendar = _meeting_calendar(cur, d.meeting_id)
            if calendar is not None:
                attachment = calendar[0]
                extra["questions"] = "\n".join(f"{i}. {q}" for i, q in enumerate(calendar[1], start=1)) or \
                    "(none planned yet: add some on the Research page)"
        subject, text, html_body = render(template, d, person, settings, extra)
        out.append({"user_id": d.user_id, "kind": d.kind, "fact_key": d.fact_key, "to_address": person["email"],
                    "subject": subject, "body_text": text, "body_html": html_body,
                    "attachment_name": "meeting.ics" if attachment else None,
                    "attachment_type": "text/calendar" if attachment else None, "attachment": attachment,
                    "message_id": message_id(d.fact_key, person["email"], settings),
                    "next_attempt_at": max(now, getattr(d, "email_at", None) or now)})
    if not out:
        return 0
    # One statement for the batch, a column per array parameter (a row at a time costs milliseconds
    # each in DuckDB).
    names = [name for name, _ in _EMAILS_NOW_COLUMNS]
    return len(cur.execute(
        f"""INSERT INTO email_outbox (user_id, kind, fact_key, to_address, subject, body_text, body_html,
                                      attachment_name, attachment_type, attachment, message_id, state,
                                      next_attempt_at, created_at)
            SELECT {", ".join(n for n in names if n != "next_attempt_at")}, ?, next_attempt_at, ?
            FROM ({rows_table(_EMAILS_NOW_COLUMNS)}) AS emails_now
            ON CONFLICT (to_address, fact_key) DO NOTHING RETURNING id""",
        [state, now, *([e[name] for e in out] for name in names)]).fetchall())


_EMAILS_NOW_COLUMNS = [("user_id", "BIGINT"), ("kind", "VARCHAR"), ("fact_key", "VARCHAR"), ("to_address", "VARCHAR"),
                       ("subject", "VARCHAR"), ("body_text", "VARCHAR"), ("body_html", "VARCHAR"),
                       ("attachment_name", "VARCHAR"), ("attachment_type", "VARCHAR"), ("attachment", "BYTEA"),
                       ("message_id", "VARCHAR"), ("next_attempt_at", "TIMESTAMP")]


# ---------------------------------------------------------------- sending

def _build(message: dict[str, Any], settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = formataddr(("Informational Interview Portal", settings.smtp_from))
    email["To"] = message["to_address"]
    email["Subject"] = message["subject"]
    email["Message-ID"] = message["message_id"]
    settings_link = _link(settings, notify.SETTINGS_PAGE, "section=notifications")
    email["List-Unsubscribe"] = f"<{settings_link}>"
    email["X-Portal-Fact"] = message["fact_key"]  # which fact and due moment: for support and the tests
    email.set_content(message["body_text"])
    email.add_alternative(message["body_html"], subtype="html")
    if message["attachment"] is not None:
        maintype, _, subtype = (message["attachment_type"] or "application/octet-stream").partition("/")
        email.add_attachment(bytes(message["attachment"]), maintype=maintype, subtype=subtype,
                             filename=message["attachment_name"] or "attachment")
    return email


def _connect(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                timeout=settings.smtp_timeout_seconds)
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
        if settings.smtp_security == "starttls":
            server.starttls()
    if settings.smtp_user:
        server.login(settings.smtp_user, settings.smtp_password)
    return server


def recover_interrupted(db: Database, *, now: datetime | None = None) -> int:
    """Emails left `sending` by a runner that stopped mid-send: failed, with why, never sent again on their own."""
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        return len(cur.execute(
            """UPDATE email_outbox SET state = 'failed', claimed_by = NULL,
                   last_error = 'Interrupted while sending: the server may or may not have taken it, so it is '
                                || 'not sent again on its own. Use Send again if it did not arrive.'
               WHERE state = 'sending' AND claimed_at < ? RETURNING id""", [now - STALE_CLAIM]).fetchall())

    return db.transaction(work)


def _claim(cur: Cursor, runner: str, now: datetime) -> dict[str, Any] | None:
    return row(cur, """UPDATE email_outbox SET state = 'sending', claimed_by = ?, claimed_at = ?,
                           attempts = attempts + 1
                       WHERE id = (SELECT id FROM email_outbox WHERE state = 'pending' AND next_attempt_at <= ?
                                   ORDER BY next_attempt_at, id LIMIT 1) AND state = 'pending'
                       RETURNING *""", [runner, now, now])


def _finish(cur: Cursor, message: dict[str, Any], now: datetime, error: Exception | None, permanent: bool) -> str:
    """Record how sending one claimed email went: sent, to retry later, or failed. Returns which."""
    if error is None:
        cur.execute("UPDATE email_outbox SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
                    [now, message["id"]])
        return "sent"
    attempts = int(message["attempts"])
    reason = f"{type(error).__name__}: {error}"[:1000]
    if permanent or attempts > len(RETRY_AFTER):
        cur.execute("UPDATE email_outbox SET state = 'failed', last_error = ?, claimed_by = NULL WHERE id = ?",
                    [reason, message["id"]])
        return "failed"
    cur.execute("""UPDATE email_outbox SET state = 'pending', last_error = ?, next_attempt_at = ?, claimed_by = NULL
                   WHERE id = ?""", [reason, now + RETRY_AFTER[attempts - 1], message["id"]])
    return "retry"


def send_pending(db: Database, *, runner: str, now: datetime | None = None, settings: Settings | None = None,
                 limit: int = 500) -> dict[str, int]:
    """Send what is due in the outbox (one SMTP connection for the batch); returns counts per outcome.

    One email is claimed at a time, and the outcome of the previous one is recorded in the same
    transaction as the next claim (one commit per email): whatever happens, at most the one email in
    the server's hands is uncertain.
    """
    settings = settings or get_settings()
    counts = {"sent": 0, "retry": 0, "failed": 0, "interrupted": recover_interrupted(db, now=now)}
    if not settings.email_configured:
        return counts
    server: smtplib.SMTP | None = None
    done: tuple[dict[str, Any], Exception | None, bool] | None = None

    def step(cur: Cursor, last: tuple | None, more: bool) -> dict[str, Any] | None:
        moment = now or utcnow()
        if last is not None:
            counts[_finish(cur, last[0], moment, last[1], last[2])] += 1
        return _claim(cur, runner, moment) if more else None

    try:
        for sent in range(limit + 1):
            message = db.transaction(lambda cur, last=done, more=sent < limit: step(cur, last, more))
            done = None
            if message is None:
                break
            error: Exception | None = None
            permanent = False
            try:
                if server is None:
                    server = _connect(settings)
                server.send_message(_build(message, settings))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                error = exc
                code = getattr(exc, "smtp_code", None)
                permanent = (isinstance(exc, smtplib.SMTPRecipientsRefused)
                             or (isinstance(code, int) and 500 <= code < 600))
                server = _quit(server)
            except (smtplib.SMTPException, OSError, socket.timeout) as exc:
                error = exc
                server = _quit(server)
            done = (message, error, permanent)
    finally:
        _quit(server)
        if done is not None:  # the last one's outcome, when the loop ended on the limit or an exception
            db.transaction(lambda cur: step(cur, done, False))
    return counts


def _quit(server: smtplib.SMTP | None) -> None:
    if server is not None:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            pass
    return None


# ---------------------------------------------------------------- the career office's view

@active_only
def outbox(db: Database, actor: Actor, *, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The outbox, newest first (admins only); optionally one state."""
    require_role(actor, Role.ADMIN)
    where, params = ("WHERE state = ?", [state]) if state else ("", [])
    with db.cursor() as cur:
        return rows(cur, f"""SELECT id, kind, to_address, subject, body_text, state, attempts, last_error,
                                    created_at, sent_at, next_attempt_at, attachment_name
                             FROM email_outbox {where} ORDER BY created_at DESC, id DESC LIMIT ?""",
                    [*params, max(1, min(int(limit), 2000))])


@active_only
def outbox_counts(db: Database, actor: Actor) -> dict[str, int]:
    """How many emails are in each state (admins only)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        found = {r["state"]: int(r["n"])
                 for r in rows(cur, "SELECT state, count(*) AS n FROM email_outbox GROUP BY state")}
    return {s: found.get(s, 0) for s in ("pending", "sending", "sent", "failed", "held")}


@active_only
def retry(db: Database, actor: Actor, outbox_id: int, *, now: datetime | None = None) -> None:
    """Send a failed email again (the career office decided it did not arrive)."""
    require_role(actor, Role.ADMIN)
    outbox_id = check_id(outbox_id, "email")
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = row(cur, "SELECT state FROM email_outbox WHERE id = ?", [outbox_id])
        if found is None:
            raise MailError("No such email.")
        if found["state"] != "failed":
            raise MailError("Only a failed email can be sent again.")
        cur.execute("""UPDATE email_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL
                       WHERE id = ?""", [now, outbox_id])

    db.transaction(work)
