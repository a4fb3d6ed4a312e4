"""The notification pages as people use them (AppTest): the bell's count, the notifications page, email
choices on the Account page, a cohort's email defaults, the Outbox and the scheduled work on Health."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.messaging.notify import KINDS, cohort_defaults, digest_frequency, email_choices
from core.models import Role
from core.store.db import get_database, rows, scalar
from tests.apptest_utils import ROOT, demo_user_id, refused, run_page, sign_in_state, texts
from ui.widgets import md_escape

USERS = ["student07", "counselor.rivera", "admin"]
PAGES = {
    "pages/notifications.py": {"student07", "counselor.rivera", "admin"},
    "pages/admin_outbox.py": {"admin"},
}


def _db(path):
    return get_database(path)


def _notify(path, username: str, n: int = 1, *, kind: str = "thank_you_due", page: str = "student_thank_you",
            params: str = "", title: str = "Thank-you due", read: bool = False) -> list[int]:
    """Insert n notifications for a demo user, the newest last; returns their ids."""
    user_id = demo_user_id(path, username)
    start = utcnow() - timedelta(hours=n)
    ids = []
    with _db(path).cursor() as cur:
        for i in range(n):
            ids.append(cur.execute(
                """INSERT INTO notifications (user_id, kind, fact_key, title, body, page, params, created_at, read_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                [user_id, kind, f"test:{uuid.uuid4().hex}", f"{title} {i + 1}",
                 f"Body of note {i + 1}", page, params, start + timedelta(hours=i), start if read else None]
            ).fetchone()[0])
    return ids


def _fresh(path) -> None:
    """Forget the notifications and emails the demo's comments already gave, for tests that count from zero."""
    with _db(path).cursor() as cur:
        cur.execute("DELETE FROM notifications")
        cur.execute("DELETE FROM email_outbox")


def _unread(path, username: str) -> int:
    with _db(path).cursor() as cur:
        return scalar(cur, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL",
                      [demo_user_id(path, username)])


def _read_at(path, ids: list[int]) -> list[datetime | None]:
    with _db(path).cursor() as cur:
        return [scalar(cur, "SELECT read_at FROM notifications WHERE id = ?", [i]) for i in ids]


def _app(path, username: str) -> AppTest:
    """The whole portal (app.py) signed in as a demo user, on their home page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    sign_in_state(at, demo_user_id(path, username))
    return at.run()


def _bell(at: AppTest) -> list[str]:
    """The labels of the links at the top of the page, where the bell is (use a fresh run of the app)."""
    return [p.proto.label for p in at.main.get("page_link")]


def _in_order(node) -> list[str]:
    """The subheaders and text inputs of the page, in the order they are drawn."""
    out = []
    for child in getattr(node, "children", {}).values():
        if child.type == "subheader":
            out.append(child.value)
        elif child.type == "text_input":
            out.append(child.label)
        out.extend(_in_order(child))
    return out


def _button(at: AppTest, label: str, n: int = 0):
    return [b for b in at.button if b.label == label][n]


def _opens(at: AppTest) -> list:
    """The notifications' Open buttons, each named for its notification ("Open “Run failed 3”")."""
    return [b for b in at.button if b.label.startswith("Open \u201c")]


def _mark_reads(at: AppTest) -> list:
    return [b for b in at.button if b.label.startswith("Mark \u201c") and b.label.endswith("\u201d read")]


# ---------------------------------------------------------------- who sees which page


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("username", USERS)
def test_page_runs_for_allowed_roles_and_refuses_others(portal_env, page, username):
    at = run_page(page, portal_env, username)
    assert not at.exception, at.exception
    if username in PAGES[page]:
        assert not refused(at) and at.title
        assert not at.error, [e.value for e in at.error]
    else:
        assert refused(at)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_ask_for_sign_in(portal_env, page):
    at = run_page(page, portal_env, None)
    assert not at.exception and "Please sign in" in texts(at) and not at.title


# ---------------------------------------------------------------- the bell


@pytest.mark.parametrize("username", USERS)
def test_the_bell_shows_the_unread_count(portal_env, username):
    _fresh(portal_env)
    at = _app(portal_env, username)
    assert not at.exception, at.exception
    assert "Notifications" in _bell(at), "nothing unread: no number"
    _notify(portal_env, username, 3)
    _notify(portal_env, username, 2, read=True, title="Old")
    assert "Notifications · 3" in _bell(_app(portal_env, username))


def test_the_bell_counts_only_your_own(portal_env):
    _fresh(portal_env)
    _notify(portal_env, "student08", 4)
    at = _app(portal_env, "student07")
    assert "Notifications" in _bell(at) and not any("·" in label for label in _bell(at))


def test_a_counselor_comment_rings_the_students_bell(portal_env):
    from core.models import CommentCreate
    from core.oversight.comments import add_comment

    before = _unread(portal_env, "student07")
    student = demo_user_id(portal_env, "student07")
    add_comment(_db(portal_env), _actor(portal_env, "counselor.rivera"), student,
                CommentCreate(subject_type="student", subject_id=student, body="How did the call with Dana go?"))
    assert _unread(portal_env, "student07") == before + 1
    assert f"Notifications · {before + 1}" in _bell(_app(portal_env, "student07"))
    at = run_page("pages/notifications.py", portal_env, "student07")
    assert "commented on your work" in next(m.value for m in at.markdown if "badge[" not in m.value), "newest first"
    assert at.text[0].value == "How did the call with Dana go?"


# ---------------------------------------------------------------- the notifications page


def test_empty_page_says_what_will_appear(portal_env):
    _fresh(portal_env)
    at = run_page("pages/notifications.py", portal_env, "student07")
    assert "No notifications yet." in at.info[0].value and "thank-you is due" in at.info[0].value
    assert not [b for b in at.button if b.label == "Mark all read"]


def test_newest_first_unread_marked_and_text_kept_as_text(portal_env):
    _fresh(portal_env)
    _notify(portal_env, "student07", 1, title="Older")
    _notify(portal_env, "student07", 1, title="**Newer** <b>x</b>", read=True)
    at = run_page("pages/notifications.py", portal_env, "student07")
    marks = [m.value for m in at.markdown]
    older = next(i for i, m in enumerate(marks) if "Older" in m)
    newer = next(i for i, m in enumerate(marks) if "Newer" in m)
    assert newer < older, "newest first"
    assert marks[newer] == "\\*\\*Newer\\*\\* \\<b\\>x\\</b\\> 1", "a title is escaped, never markup"
    assert marks[older] == "**Older 1**", "an unread one is in bold"
    assert sum("badge[" in m and "Unread" in m for m in marks) == 1, "only the unread one carries the Unread badge"
    assert len(_mark_reads(at)) == 1
    assert "Body of note 1" in [t.value for t in at.text]


def test_open_marks_read_and_opens_the_page_at_its_contact(portal_env):
    with _db(portal_env).cursor() as cur:
        contact_id = scalar(cur, """SELECT c.id FROM contacts c JOIN users u ON u.id = c.student_id
                                    WHERE u.username = 'student07' ORDER BY c.id LIMIT 1""")
    _fresh(portal_env)
    (note,) = _notify(portal_env, "student07", params=f"contact={contact_id}", title="Thank-you due tonight")
    at = _app(portal_env, "student07")
    assert "Notifications · 1" in _bell(at)
    at.switch_page("pages/notifications.py").run()
    assert not at.exception, at.exception
    # Each button names the notification it acts on (its title, as markdown-inert text).
    said = f"\u201c{md_escape('Thank-you due tonight 1')}\u201d"
    assert [b.label for b in _opens(at)] == [f"Open {said}"]
    assert [b.label for b in _mark_reads(at)] == [f"Mark {said} read"]
    _opens(at)[0].click().run()
    assert not at.exception, at.exception
    assert _read_at(portal_env, [note])[0] is not None
    assert at.query_params["contact"] == str(contact_id)
    assert [t.value for t in at.title] == ["Thank-yous"]
    assert "Notifications" in _bell(_app(portal_env, "student07")), "nothing unread any more"


def test_mark_read_and_mark_all_read(portal_env):
    _fresh(portal_env)
    ids = _notify(portal_env, "counselor.rivera", 3, kind="student_reply", page="counselor_student",
                  title="A student answered you")
    at = run_page("pages/notifications.py", portal_env, "counselor.rivera")
    assert "3 unread" in texts(at)
    _mark_reads(at)[0].click().run()  # the first is the newest
    assert _read_at(portal_env, ids)[2] is not None and _read_at(portal_env, ids)[:2] == [None, None]
    assert "2 unread" in texts(at)
    _button(at, "Mark all read").click().run()
    assert not at.exception
    assert all(_read_at(portal_env, ids))
    assert "Marked 2 read." in [s.value for s in at.success]
    assert "0 unread" in texts(at) and not _mark_reads(at) and not [b for b in at.button if b.label == "Mark all read"]


def test_a_long_list_comes_a_page_at_a_time(portal_env):
    _fresh(portal_env)
    _notify(portal_env, "admin", 45, kind="job_failed", page="admin_health", title="Run failed")
    at = run_page("pages/notifications.py", portal_env, "admin")
    assert len(_opens(at)) == 20
    assert "Run failed 45" in at.markdown[0].value or any("Run failed 45" in m.value for m in at.markdown)
    _button(at, "Older").click().run()
    _button(at, "Older").click().run()
    assert len(_opens(at)) == 5
    assert any("Run failed 1**" in m.value for m in at.markdown)
    assert _button(at, "Older").disabled


def test_unread_only_hides_what_was_read(portal_env):
    _notify(portal_env, "student07", 1, title="Fresh")
    _notify(portal_env, "student07", 1, title="Seen", read=True)
    at = run_page("pages/notifications.py", portal_env, "student07")
    at.toggle(key="notifications_unread_only").set_value(True).run()
    shown = texts(at)
    assert "Fresh" in shown and "Seen" not in shown


# ---------------------------------------------------------------- choices on the Account page


def test_student_email_choices_save_and_read_back(portal_env):
    at = run_page("pages/account.py", portal_env, "student07")
    assert not at.exception, at.exception
    assert "Notifications in the portal (the bell at the top of every page) are always on." in texts(at)
    assert "Email is not set up at your institution yet" in at.info[0].value
    labels = {t.label for t in at.toggle}
    assert labels == {k.label for k in KINDS.values() if k.role == Role.STUDENT}
    assert not at.radio, "students get no digest"
    at.toggle(key="account_email_meeting_tomorrow").set_value(False)
    _button(at, "Save notification settings").click().run()
    assert not at.exception
    assert any(s.value.startswith("Notification settings saved.") for s in at.success)
    db = _db(portal_env)
    student = _actor(portal_env, "student07")
    assert email_choices(db, student)["meeting_tomorrow"] is False
    assert email_choices(db, student)["thank_you_due"] is True
    again = run_page("pages/account.py", portal_env, "student07")
    assert again.toggle(key="account_email_meeting_tomorrow").value is False


def test_counselor_chooses_a_daily_digest(portal_env):
    at = run_page("pages/account.py", portal_env, "counselor.rivera")
    assert at.radio(key="account_digest").value == "weekly"
    at.radio(key="account_digest").set_value("daily")
    at.toggle(key="account_email_student_reply").set_value(False)
    _button(at, "Save notification settings").click().run()
    counselor = _actor(portal_env, "counselor.rivera")
    assert digest_frequency(_db(portal_env), counselor) == "daily"
    assert email_choices(_db(portal_env), counselor) == {"student_reply": False, "digest": True}


def test_the_email_settings_link_puts_notifications_first(portal_env):
    at = AppTest.from_file(str(ROOT / "pages/account.py"), default_timeout=30)
    sign_in_state(at, demo_user_id(portal_env, "admin"))
    at.query_params["section"] = "notifications"
    at.run()
    assert not at.exception
    assert _in_order(at.main)[:2] == ["Notifications", "Name"], "the choices come before the profile"
    plain = run_page("pages/account.py", portal_env, "admin")
    assert _in_order(plain.main)[:3] == ["Name", "Email", "Username"], "opened from the menu, the profile comes first"
    assert {t.label for t in at.toggle} == {k.label for k in KINDS.values() if k.role in (Role.COUNSELOR, Role.ADMIN)}


def _actor(path, username: str):
    from core.identity.accounts import load_actor

    return load_actor(_db(path), demo_user_id(path, username))


# ---------------------------------------------------------------- a cohort's defaults


def test_counselor_sets_the_cohort_email_defaults(portal_env):
    at = run_page("pages/counselor_cohort.py", portal_env, "counselor.rivera")
    assert not at.exception, at.exception
    with _db(portal_env).cursor() as cur:
        cohort_id = scalar(cur, "SELECT id FROM cohorts WHERE name LIKE 'Health%'")
    key = f"counselor_cohort_email_{cohort_id}_keep_in_touch"
    assert at.toggle(key=key).value is True
    at.toggle(key=key).set_value(False)
    _button(at, "Save email defaults").click().run()
    assert not at.exception
    assert any("Off unless a student turns it on: Keep-in-touch note due." in s.value for s in at.success)
    defaults = cohort_defaults(_db(portal_env), _actor(portal_env, "counselor.rivera"), cohort_id)
    assert defaults["keep_in_touch"] is False and defaults["thank_you_due"] is True
    student = _actor(portal_env, "student07")
    assert email_choices(_db(portal_env), student)["keep_in_touch"] is False, "the cohort's students inherit it"


# ---------------------------------------------------------------- the Outbox


def _email(path, state: str, *, to: str = "student07@example.edu", subject: str = "Thank-you due",
           error: str | None = None) -> int:
    now = utcnow()
    with _db(path).cursor() as cur:
        return cur.execute(
            """INSERT INTO email_outbox (kind, fact_key, to_address, subject, body_text, body_html, message_id, state,
                                         attempts, next_attempt_at, last_error, created_at)
               VALUES ('thank_you_due', ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?) RETURNING id""",
            [f"test:{state}:{subject}", to, subject, f"Hello,\n{subject}: open the portal.", f"<{state}@test>", state,
             4 if state == "failed" else 0, now, error, now]).fetchone()[0]


def test_outbox_shows_held_and_failed_messages_and_sends_a_failed_one_again(portal_env):
    _fresh(portal_env)
    _email(portal_env, "held", subject="Meeting tomorrow with Dana")
    failed = _email(portal_env, "failed", subject="Thank-you overdue", error="550 mailbox unavailable")
    at = run_page("pages/admin_outbox.py", portal_env, "admin")
    assert not at.exception, at.exception
    assert "Email is off" in at.warning[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Held (demo)"] == "1" and metrics["Failed"] == "1" and metrics["Sent"] == "0"
    assert "550 mailbox unavailable" in [c.value for c in at.code], "a failed one opens first, with its error"
    assert "Hello,\nThank-you overdue: open the portal." in [c.value for c in at.code]
    at.segmented_control(key="admin_outbox_state").set_value("held").run()
    assert "Hello,\nMeeting tomorrow with Dana: open the portal." in [c.value for c in at.code]
    assert not [b for b in at.button if b.label == "Send again"], "only a failed message is sent again"
    at.segmented_control(key="admin_outbox_state").set_value("failed").run()
    _button(at, "Send again").click().run()
    assert not at.exception
    assert any(s.value.startswith("Queued again") for s in at.success)
    with _db(portal_env).cursor() as cur:
        assert scalar(cur, "SELECT state FROM email_outbox WHERE id = ?", [failed]) == "pending"
    assert {m.label: m.value for m in at.metric}["Failed"] == "0"


def test_outbox_is_empty_with_a_word_on_where_emails_come_from(portal_env):
    _fresh(portal_env)
    at = run_page("pages/admin_outbox.py", portal_env, "admin")
    assert "No emails here yet." in at.info[0].value


# ---------------------------------------------------------------- scheduled work on Health


def test_health_shows_a_failed_job_with_its_error_and_runs_one_now(portal_env):
    from core.messaging.jobs import JOBS

    name, job = next(iter(JOBS.items()))
    started = utcnow() - timedelta(minutes=30)
    with _db(portal_env).cursor() as cur:
        cur.execute("""INSERT INTO job_runs (job, runner, started_at, finished_at, status, summary, error)
                       VALUES (?, 'test', ?, ?, 'failed', '', 'ConnectionRefusedError: the SMTP server refused')""",
                    [name, started, started + timedelta(seconds=3)])
    _fresh(portal_env)
    _email(portal_env, "failed", error="timed out")
    _email(portal_env, "pending", subject="Follow-up due")
    at = run_page("pages/admin_health.py", portal_env, "admin")
    assert not at.exception, at.exception
    assert "Scheduled work" in [s.value for s in at.subheader]
    assert "ConnectionRefusedError: the SMTP server refused" in [c.value for c in at.code]
    assert any(m.value.startswith(f"**{job.label}** · :red[:material/error: failed]") for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Waiting to send"] == "1" and metrics["Failed"] == "1"
    assert "Email is off" in texts(at)
    _button(at, "Run now").click().run()
    assert not at.exception, at.exception
    with _db(portal_env).cursor() as cur:
        runs = rows(cur, "SELECT status FROM job_runs WHERE job = ? ORDER BY started_at", [name])
    assert len(runs) == 2
    shown = [s.value for s in at.success] + [e.value for e in at.error]
    assert any(v.startswith(job.label) for v in shown), shown


# ---------------------------------------------------------------- addresses and pages that name nothing


@pytest.mark.parametrize("page", ["no_such_page", "../app", "https://example.com/x", ""])
def test_a_notification_naming_no_page_is_marked_read_and_says_so(portal_env, page):
    _fresh(portal_env)
    (note,) = _notify(portal_env, "student07", page=page, params="contact=abc")
    at = run_page("pages/notifications.py", portal_env, "student07")
    _opens(at)[0].click().run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == ["This notification has no page to open any more; it is marked read."]
    assert _read_at(portal_env, [note])[0] is not None


@pytest.mark.parametrize("value", ["notifications ", "NOTIFICATIONS", "<script>", "", "1 OR 1=1"])
def test_the_account_page_takes_any_section(portal_env, value):
    at = AppTest.from_file(str(ROOT / "pages/account.py"), default_timeout=30)
    sign_in_state(at, demo_user_id(portal_env, "student07"))
    at.query_params["section"] = value
    at.run()
    assert not at.exception and [t.value for t in at.title] == ["Account"]
    assert _in_order(at.main)[:3] == ["Name", "Email", "Username"], "anything else opens the page as usual"


def test_a_counselor_comment_is_new_in_the_students_thread_once_and_reading_it_clears_the_bell(portal_env):
    from core.identity.accounts import load_actor
    from core.models import CommentCreate
    from core.oversight.comments import add_comment

    path = portal_env
    _fresh(path)
    db = _db(path)
    student_id = demo_user_id(path, "student07")
    counselor = load_actor(db, demo_user_id(path, "counselor.rivera"))
    comment_id = add_comment(db, counselor, student_id, CommentCreate(
        subject_type="student", subject_id=student_id, body="Book the second conversation this week."))

    def unread(kinds):
        with db.cursor() as cur:
            return {r["fact_key"] for r in rows(cur, """SELECT fact_key FROM notifications WHERE user_id = ?
                                                        AND read_at IS NULL""", [student_id])
                    if r["fact_key"].split(":")[0] in kinds}

    assert f"comment:{comment_id}" in unread({"comment"})
    others = unread({"thank_you_due", "thank_you_overdue", "follow_up_due"})
    at = run_page("pages/student_home.py", path, "student07")
    assert any(c.value.startswith(":green-badge[New] Dana Rivera") for c in at.caption)
    assert f"comment:{comment_id}" not in unread({"comment"})  # seen in the thread: read, the bell goes down
    assert unread({"thank_you_due", "thank_you_overdue", "follow_up_due"}) == others  # the rest stay unread
    at.run()                                          # still New for the rest of this visit
    assert any(c.value.startswith(":green-badge[New] Dana Rivera") for c in at.caption)
    again = run_page("pages/student_home.py", path, "student07")
    assert not any(c.value.startswith(":green-badge[New]") for c in again.caption)  # a later visit: not new
