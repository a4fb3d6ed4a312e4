"""Every time a person reads is in the portal's time zone, on every page that shows times, for each role.

The demo's stored times (naive UTC) are all moved to 17 minutes past their hour, and the portal's zone is
Asia/Kolkata (UTC+05:30, no daylight saving): a time shown in the portal's zone then reads "HH:47", a time
shown in UTC "HH:17". Each page must show at least one "HH:47" and no "HH:17", in its text, its expanders'
and choices' labels, its tables and its time fields.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.config import get_settings
from core.identity.accounts import user_id_for_username
from core.messaging.reminders import remind
from core.store.db import Cursor, get_database, rows, scalar
from tests.apptest_utils import ROOT, sign_in_state, texts

ZONE = "Asia/Kolkata"
SHOWN_IN_ZONE = re.compile(r"\b\d{1,2}:47\b")
SHOWN_IN_UTC = re.compile(r"\b\d{1,2}:17\b")


def _at_17_past(cur: Cursor) -> None:
    """Every stored time of every table to 17 minutes past its hour; meetings held in the portal's zone."""
    columns = rows(cur, """SELECT c.table_name, c.column_name FROM information_schema.columns c
                           JOIN information_schema.tables t
                             ON t.table_name = c.table_name AND t.table_schema = c.table_schema
                           WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                             AND lower(c.data_type) LIKE 'timestamp%'""")
    assert len(columns) > 20
    for c in columns:
        column = f'"{c["column_name"]}"'
        cur.execute(f"""UPDATE "{c['table_name']}"
                        SET {column} = date_trunc('hour', {column}) + INTERVAL '17 minutes'""")
    cur.execute("UPDATE meetings SET timezone = ?", [ZONE])


@pytest.fixture
def portal_in_kolkata(portal_env, monkeypatch):
    """The demo portal in Asia/Kolkata, every stored time at 17 past the hour, and the reminders given
    (notifications, and the emails a demo portal keeps) at 17 past the hour too."""
    monkeypatch.setenv("PORTAL_TIMEZONE", ZONE)
    get_settings.cache_clear()
    db = get_database(get_settings().database_location)
    db.transaction(_at_17_past)
    now = utcnow()
    remind(db, now=now.replace(minute=17, second=0) - (timedelta(hours=1) if now.minute < 17 else timedelta(0)))
    yield portal_env
    get_settings.cache_clear()


def _one(db, sql: str, params: list) -> int:
    with db.cursor() as cur:
        found = scalar(cur, sql, params)
    assert found is not None, sql
    return int(found)


def _ids(location) -> dict[str, int]:
    """Demo people and contacts whose pages show times."""
    db = get_database(location)
    student07 = user_id_for_username(db, "student07")
    return {
        "student07": student07,
        "met": _one(db, "SELECT min(contact_id) FROM meetings m JOIN contacts c ON c.id = m.contact_id "
                        "WHERE c.student_id = ? AND m.status = 'held'", [student07]),
        "asked": _one(db, "SELECT min(contact_id) FROM outreach_messages o JOIN contacts c ON c.id = o.contact_id "
                          "WHERE c.student_id = ? AND o.sent_at IS NOT NULL", [student07]),
        "kept_in_touch": _one(db, "SELECT min(contact_id) FROM follow_ups WHERE sent_at IS NOT NULL", []),
        "kept_in_touch_student": _one(db, "SELECT min(c.student_id) FROM follow_ups f JOIN contacts c "
                                          "ON c.id = f.contact_id WHERE f.sent_at IS NOT NULL", []),
    }


# (page, who opens it, its query parameters from the ids above)
PAGES = [
    ("student_home", "student07", {}),
    ("student_targets", "student07", {}),
    ("student_targets", "student07", {"contact": "met"}),
    ("student_outreach", "student07", {"contact": "asked"}),
    ("student_meetings", "student07", {"contact": "met"}),
    ("student_thank_you", "student07", {"contact": "met"}),
    ("student_reflection", "student07", {"contact": "met"}),
    ("student_direction", "student07", {}),
    ("student_keep_in_touch", "kept_in_touch_student", {"contact": "kept_in_touch"}),
    ("notifications", "student07", {}),
    ("counselor_home", "counselor.rivera", {}),
    ("counselor_student", "counselor.rivera", {"student": "student07"}),
    ("notifications", "counselor.rivera", {}),
    ("admin_audit", "admin", {}),
    ("admin_outbox", "admin", {}),
    ("admin_health", "admin", {}),
    ("admin_accounts", "admin", {}),
]


def _everything_shown(at: AppTest) -> str:
    """What a person reads: the text, the labels of expanders and choices, tables, metrics and time fields."""
    parts = [texts(at)]
    parts += [e.label for e in at.expander]
    parts += [str(option) for box in at.selectbox for option in box.options]
    parts += [str(e.value) for e in at.metric]
    parts += [str(e.value) for e in at.time_input]
    for table in at.dataframe:
        value = getattr(table.value, "data", table.value)  # a Styler's data, or the frame itself
        parts.append(value.to_string())
    return "\n".join(parts)


@pytest.mark.parametrize(("page", "username", "query"), PAGES,
                         ids=[f"{p}-{u}{'-' + '-'.join(q) if q else ''}" for p, u, q in PAGES])
def test_every_time_shown_is_in_the_portals_time_zone(portal_in_kolkata, page, username, query):
    ids = _ids(portal_in_kolkata)
    db = get_database(portal_in_kolkata)
    user_id = ids[username] if username in ids else user_id_for_username(db, username)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    sign_in_state(at, user_id)
    for name, what in query.items():
        at.query_params[name] = str(ids[what])
    at.run()
    assert not at.exception, at.exception
    shown = _everything_shown(at)
    in_utc = sorted({shown[max(0, m.start() - 30):m.end()] for m in SHOWN_IN_UTC.finditer(shown)})
    assert in_utc == [], f"{page} shows times in UTC"
    assert SHOWN_IN_ZONE.search(shown), f"{page} shows no time (in the portal's zone) to check"


def test_the_checks_tell_the_two_zones_apart(monkeypatch):
    """A stored 03:17 reads 08:47 in the portal's zone: the two patterns never both match one time."""
    from ui.widgets import when

    monkeypatch.setenv("PORTAL_TIMEZONE", ZONE)
    get_settings.cache_clear()
    try:
        shown = when(datetime(2026, 3, 9, 3, 17))
    finally:
        monkeypatch.delenv("PORTAL_TIMEZONE")
        get_settings.cache_clear()
    assert shown == "09 Mar 2026, 08:47"
    assert SHOWN_IN_ZONE.search(shown) and not SHOWN_IN_UTC.search(shown)
