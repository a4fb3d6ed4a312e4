"""A student's records, whole (the archive) and erased: the canary word planted in every text a student can
write is found on no table of either store after erasure, nor their name or email."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime, timedelta

import pytest

from core.admin.audit import list_events
from core.admin.cohorts import add_student
from core.campaign import contacts, keep_in_touch, meetings, outreach, reflections, research, thanks
from core.config import Settings
from core.errors import AccessDenied, AccountError, NotFound
from core.identity import sessions
from core.identity.access import SYSTEM
from core.identity.accounts import check_password, create_user, record_login_attempt, user_id_for_username
from core.messaging import reminders
from core.models import (
    Actor,
    Channel,
    CommentCreate,
    ContactCreate,
    FollowUpCreate,
    FollowUpKind,
    MeetingCreate,
    MeetingLog,
    MeetingMode,
    MeetingNote,
    OutcomeCreate,
    OutcomeKind,
    OutreachCreate,
    PlannedQuestionCreate,
    ReferralCreate,
    ReflectionCreate,
    ResearchUpdate,
    Role,
    ThankYouCreate,
    UserCreate,
)
from core.oversight import export, records
from core.oversight.comments import add_comment
from core.store.db import scalar
from core.store.transfer import columns, tables
from tests.conftest import NOW, PASSWORD, World

WORD = "Zyqvorlam"  # the canary: in no seed, no template, no name
FIRST, LAST = "Quorrina", "Vexhollowe"
USERNAME, EMAIL = "qvexhollowe", "qvexhollowe@example.edu"
NEEDLES = (WORD, FIRST, LAST, USERNAME, EMAIL)
TEXT_TYPES = ("VARCHAR", "TEXT", "CHARACTER VARYING")


def _student(world: World) -> Actor:
    user = create_user(world.db, SYSTEM, UserCreate(username=USERNAME, email=EMAIL, first_name=FIRST, last_name=LAST,
                                                    role=Role.STUDENT, password=PASSWORD, student_number="S-" + WORD),
                       now=NOW - timedelta(days=30), rounds=4)
    add_student(world.db, world.admin, world.cohort_x, user.id, now=NOW - timedelta(days=30))
    return Actor(user.id, Role.STUDENT, user.full_name)


def _plant(world: World, s: Actor, export_dir) -> dict[str, int]:
    """The word in every text the student can write, through the functions their pages call."""
    db, w = world.db, WORD
    day = NOW - timedelta(days=20)
    focus = contacts.add_focus_occupation(db, s, f"{w} analyst", now=day)
    cid = contacts.create_contact(db, s, ContactCreate(
        first_name=w, last_name=w, organization=w, title=w, field=w, focus_occupation_id=focus,
        source_detail=w, email=f"{w.lower()}@county.example", phone=f"{w} 555", other_channel=w,
        linkedin_url=f"https://www.linkedin.com/in/{w.lower()}"), now=day).id
    research.save_research(db, s, cid, ResearchUpdate(about_person=w, about_organization=w, about_field=w, links=w),
                           now=day)
    research.add_planned_question(db, s, cid, PlannedQuestionCreate(text=f"{w} question?"), now=day)
    mid = outreach.create_draft(db, s, cid, OutreachCreate(channel=Channel.EMAIL, subject=w, body=w), now=day)
    outreach.mark_sent(db, s, mid, channel=Channel.EMAIL, sent_at=day, now=day)
    meeting = meetings.schedule_meeting(db, s, cid, MeetingCreate(
        starts_at_local=datetime(2026, 3, 9, 10, 0), timezone="UTC", mode=MeetingMode.IN_PERSON, location=w),
        now=day)
    meetings.log_meeting(db, s, meeting, MeetingLog(insights=w, skill_words=w, advice=w, resources=w,
                                                    resume_feedback=w),
                         notes=[MeetingNote(question=f"{w}?", answer=w)],
                         referrals=[ReferralCreate(first_name=f"{w}a", last_name=w, organization=w, title=w,
                                                   email=f"{w.lower()}a@county.example", note=w)],
                         held_at=datetime(2026, 3, 9, 10, 0), now=NOW - timedelta(hours=20))
    thanks.create_thank_you(db, s, cid, ThankYouCreate(body=w), meeting_id=meeting, now=NOW - timedelta(hours=19))
    reflections.save_reflection(db, s, meeting, ReflectionCreate(feelings=w, see_myself=w, view_changed=w,
                                                                 still_need=w, fit_rating=4, is_private=True),
                                now=NOW - timedelta(hours=18))
    keep_in_touch.add_follow_up(db, s, cid, FollowUpCreate(kind=FollowUpKind.NEWS, body=w),
                                now=NOW - timedelta(hours=17))
    keep_in_touch.record_outcome(db, s, OutcomeCreate(kind=OutcomeKind.INTERNSHIP, organization=w, title=w,
                                                      description=w, helped_contact_ids=[cid]),
                                 now=NOW - timedelta(hours=16))
    # A counselor's comment, the student's answer (which tells the counselor, quoting it), a flag.
    add_comment(db, world.counselor_x, s.user_id, CommentCreate(subject_type="contact", subject_id=cid,
                                                                body=f"Good start, {FIRST}."),
                now=NOW - timedelta(hours=15))
    add_comment(db, s, s.user_id, CommentCreate(subject_type="contact", subject_id=cid, body=w),
                now=NOW - timedelta(hours=14))
    with db.cursor() as cur:  # a counselor's flag note naming the student (no core writer takes free text yet)
        cur.execute("INSERT INTO student_flags (student_id, counselor_id, note, created_at) VALUES (?, ?, ?, ?)",
                    [s.user_id, world.counselor_x.user_id, f"{FIRST} {LAST} {w}", NOW])
        # the email job's log of an address the mail server refused
        cur.execute("""INSERT INTO job_runs (job, runner, started_at, finished_at, status, summary, error)
                       VALUES ('email', 'test', ?, ?, 'failed', '', ?)""",
                    [NOW, NOW, f"550 recipient refused: {EMAIL}"])
    # Signing in, a failed attempt, reminders and emails, and the nightly exports kept on disk.
    sessions.start(db, user_id=s.user_id, method="password", expiry_days=1, address="198.51.100.7", now=NOW)
    record_login_attempt(db, username=USERNAME, address="198.51.100.7", succeeded=False, now=NOW)
    record_login_attempt(db, username=EMAIL, address="198.51.100.7", succeeded=True, now=NOW)
    reminders.remind(db, now=NOW, settings=Settings())
    for kind in ("progress", "pipeline"):
        with (export_dir / f"2026-03-10-{kind}.csv").open("wb") as out:
            export.write_csv(db, SYSTEM, kind, out, include_notes=kind == "pipeline")
    return {"contact": cid, "meeting": meeting}


def _found(db, needles=NEEDLES) -> dict[str, list[str]]:
    """Every table's every text column, and every binary one, searched for each needle (any case)."""
    hits: dict[str, list[str]] = {}
    with db.cursor() as cur:
        for table in tables(cur):
            for name, kind in columns(cur, table):
                if kind.upper() in TEXT_TYPES:
                    for needle in needles:
                        if scalar(cur, f'SELECT count(*) FROM "{table}" WHERE strpos(lower("{name}"), lower(?)) > 0',
                                  [needle]):
                            hits.setdefault(needle, []).append(f"{table}.{name}")
                elif kind.upper() in ("BLOB", "BYTEA"):
                    found = cur.execute(f'SELECT "{name}" FROM "{table}" WHERE "{name}" IS NOT NULL').fetchall()
                    for (value,) in found:
                        for needle in needles:
                            if needle.lower().encode() in bytes(value).lower():
                                hits.setdefault(needle, []).append(f"{table}.{name}")
    return hits


def _stages(db, student_id):
    with db.cursor() as cur:
        return sorted(cur.execute("SELECT stage FROM contact_progress p JOIN contacts c ON c.id = p.contact_id "
                                  "WHERE c.student_id = ?", [student_id]).fetchall())


def test_erasure_leaves_the_word_the_name_and_the_email_on_no_table(db, tmp_path):
    world = World(db)
    s = _student(world)
    _plant(world, s, tmp_path)
    before = _found(db)
    for needle in NEEDLES:  # the search finds what was planted: it can fail
        assert before.get(needle), needle
    assert "email_outbox.body_text" in before[WORD] and "notifications.body" in before[WORD]
    assert "events.detail" in before[WORD] and "login_attempts.username" in before[USERNAME]
    assert "job_runs.error" in before[EMAIL]
    stages, members = _stages(db, s.user_id), _count_members(db, world.cohort_x)

    done = records.erase_student(db, world.admin, s.user_id, typed_name=f"  {FIRST.lower()}  {LAST} ",
                                 now=NOW + timedelta(minutes=5), export_dir=tmp_path)

    assert _found(db) == {}
    for path in tmp_path.glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        assert not any(n.lower() in text.lower() for n in NEEDLES), path.name
    assert done.export_files == 2
    # The cohort's counts and the stages keep their values; the account is gone for good.
    assert _stages(db, s.user_id) == stages and _count_members(db, world.cohort_x) == members
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM sessions WHERE user_id = ?", [s.user_id]) == 0
        assert scalar(cur, "SELECT count(*) FROM events WHERE student_id = ?", [s.user_id]) > 10
    assert user_id_for_username(db, USERNAME) is None and user_id_for_username(db, EMAIL) is None
    with db.cursor() as cur:
        assert scalar(cur, "SELECT active FROM users WHERE id = ?", [s.user_id]) is False
        assert not check_password(PASSWORD, scalar(cur, "SELECT password_hash FROM users WHERE id = ?", [s.user_id]))
    sentences = [e["sentence"] for e in list_events(db, world.admin, user_id=s.user_id)]
    assert sentences[0] == "Admin Tester erased the records of an erased student."
    assert "The portal created an account for an erased student (student)." in sentences
    assert not any(FIRST in x or WORD in x for x in sentences)


def _count_members(db, cohort_id):
    with db.cursor() as cur:
        return scalar(cur, "SELECT count(*) FROM cohort_members WHERE cohort_id = ?", [cohort_id])


def test_erasure_asks_for_the_full_name_and_happens_once(db, tmp_path):
    world = World(db)
    s = _student(world)
    _plant(world, s, tmp_path)
    with pytest.raises(AccountError, match=f"type their full name exactly: {FIRST} {LAST}"):
        records.erase_student(db, world.admin, s.user_id, typed_name=FIRST, now=NOW, export_dir=tmp_path)
    assert _found(db, (WORD,))  # nothing was erased
    with pytest.raises(AccessDenied):
        records.erase_student(db, world.counselor_x, s.user_id, typed_name=f"{FIRST} {LAST}", now=NOW)
    with pytest.raises(NotFound):
        records.erase_student(db, world.admin, world.counselor_x.user_id, typed_name="Counselor Tester", now=NOW)
    records.erase_student(db, world.admin, s.user_id, typed_name=f"{FIRST} {LAST}", now=NOW, export_dir=tmp_path)
    with pytest.raises(AccountError, match="erased on 10 Mar 2026"):
        records.erase_student(db, world.admin, s.user_id, typed_name=records.ERASED_NAME, now=NOW)
    with pytest.raises(AccountError, match="erased"):
        records.archive_zip(db, world.admin, s.user_id, now=NOW)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM events WHERE action = 'erased' AND entity_id = ?", [s.user_id]) == 1
        assert scalar(cur, "SELECT erased_by FROM erasures WHERE student_id = ?", [s.user_id]) == world.admin.user_id


def _archive(db, actor, student_id) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(records.archive_zip(db, actor, student_id, now=NOW)))


def test_a_students_archive_holds_every_table_as_json_and_csv_with_a_readme(db, tmp_path):
    world = World(db)
    s = _student(world)
    planted = _plant(world, s, tmp_path)
    archive = _archive(db, s, s.user_id)
    names = set(archive.namelist())
    assert "README.txt" in names
    for part in records.ARCHIVE:
        assert {f"{part.table}.json", f"{part.table}.csv"} <= names
    contacts_json = json.loads(archive.read("contacts.json"))
    assert {c["first_name"] for c in contacts_json} == {WORD, f"{WORD}a"}
    reflection = json.loads(archive.read("reflections.json"))
    assert [r["feelings"] for r in reflection] == [WORD] and reflection[0]["is_private"] is True
    rows = list(csv.DictReader(io.StringIO(archive.read("meetings.csv").decode("utf-8-sig"))))
    assert rows[0]["insights"] == WORD and rows[0]["id"] == str(planted["meeting"])
    user = json.loads(archive.read("users.json"))
    assert user[0]["email"] == EMAIL and "password_hash" not in user[0]
    assert all("token_hash" not in r for r in json.loads(archive.read("sessions.json")))
    assert len(json.loads(archive.read("login_attempts.json"))) == 2
    readme = archive.read("README.txt").decode()
    assert "reflections (1 row): Your reflections after meetings." in readme
    assert "is_private: true: a private reflection" in readme and "Private reflections are included." in readme
    assert "password_hash" not in archive.read("users.csv").decode()
    assert "$2b$" not in archive.read("users.json").decode()


def test_the_career_office_archive_leaves_private_reflections_out_and_others_get_none(db, tmp_path):
    world = World(db)
    s = _student(world)
    _plant(world, s, tmp_path)
    archive = _archive(db, world.admin, s.user_id)
    assert json.loads(archive.read("reflections.json")) == []
    assert WORD not in archive.read("reflections.csv").decode()
    assert "Private reflections are left out" in archive.read("README.txt").decode()
    assert json.loads(archive.read("thank_yous.json"))[0]["body"] == WORD
    for other in (world.alice, world.counselor_x):
        with pytest.raises(AccessDenied):
            records.archive_zip(db, other, s.user_id, now=NOW)
    # Each copy is recorded as a file that left the portal: who made it, whose records, how many rows.
    with db.cursor() as cur:
        made = cur.execute("""SELECT d.actor_id, d.kind, d.row_count FROM disclosures d
                              JOIN disclosure_students s ON s.disclosure_id = d.id WHERE s.student_id = ?""",
                           [s.user_id]).fetchall()
    assert [(m[0], m[1]) for m in made] == [(world.admin.user_id, "archive")] and made[0][2] > 0
    records.archive_zip(db, s, s.user_id, now=NOW)
    sentences = [e["sentence"] for e in list_events(db, world.admin, action="downloaded")]
    own = rf"{FIRST} {LAST} downloaded a copy of their own records \(\d+ rows, 1 student\)\."
    assert re.fullmatch(own, sentences[0])
    assert re.fullmatch(rf"Admin Tester downloaded a copy of {FIRST} {LAST}'s records \(\d+ rows, 1 student\)\.",
                        sentences[1])


def test_a_deactivated_admin_makes_no_archive_and_erases_nothing(db, tmp_path):
    world = World(db)
    s = _student(world)
    _plant(world, s, tmp_path)
    with db.cursor() as cur:
        cur.execute("UPDATE users SET active = false WHERE id = ?", [world.admin.user_id])
    with pytest.raises(AccessDenied):
        records.archive_zip(db, world.admin, s.user_id, now=NOW)
    with pytest.raises(AccessDenied):
        records.erase_student(db, world.admin, s.user_id, typed_name=f"{FIRST} {LAST}", now=NOW)
    assert _found(db, (WORD,))


def test_archive_file_is_a_temporary_zip_named_for_the_student(db, tmp_path):
    world = World(db)
    s = _student(world)
    made = records.archive_file(db, s, s.user_id, now=NOW)
    try:
        assert made.file_name == f"portal-records-{USERNAME}-2026-03-10.zip"
        assert made.media_type == "application/zip" and made.temporary
        assert zipfile.is_zipfile(made.parts[0])
    finally:
        made.discard()
    assert not made.parts[0].exists()


def test_erasure_scrubs_kept_exports_only_in_the_students_rows(db, tmp_path):
    world = World(db)
    s = _student(world)
    _plant(world, s, tmp_path)
    records.erase_student(db, world.admin, s.user_id, typed_name=f"{FIRST} {LAST}", now=NOW, export_dir=tmp_path)
    progress = list(csv.DictReader(io.StringIO((tmp_path / "2026-03-10-progress.csv").read_text("utf-8-sig"))))
    mine = [r for r in progress if r["student_id"] == str(s.user_id)]
    others = [r for r in progress if r["student_id"] != str(s.user_id)]
    assert mine and mine[0]["first_name"] == "" and mine[0]["email"] == "" and mine[0]["targets"] == "2"
    assert {r["first_name"] for r in others} >= {"Alice", "Bob"}
    assert datetime.fromisoformat(str(records.erased_at(db, s.user_id))) == NOW


def test_erasure_leaves_other_peoples_records_as_they_were(db, tmp_path):
    world = World(db)
    s = _student(world)
    _plant(world, s, tmp_path)
    alice = world.alice
    cid = contacts.create_contact(db, alice, ContactCreate(first_name="Ana", last_name="Lee", organization="County",
                                                           other_channel=USERNAME[:5]), now=NOW).id
    with db.cursor() as cur:  # her notification holds the erased student's username inside another word
        cur.execute("""INSERT INTO notifications (user_id, kind, fact_key, title, body, page, params, created_at)
                       VALUES (?, 'comment', 'k1', ?, 'Ana Lee', 'student_home', '', ?)""",
                    [alice.user_id, f"About {USERNAME}s and more", NOW])

    def hers():
        with db.cursor() as cur:
            return [cur.execute(sql, [alice.user_id]).fetchall() for sql in (
                "SELECT * FROM contacts WHERE student_id = ? ORDER BY id",
                "SELECT * FROM notifications WHERE user_id = ? ORDER BY id",
                "SELECT id, detail FROM events WHERE student_id = ? ORDER BY id")]

    before = hers()
    assert before[0][0][0] == cid
    records.erase_student(db, world.admin, s.user_id, typed_name=f"{FIRST} {LAST}", now=NOW, export_dir=tmp_path)
    assert hers() == before
