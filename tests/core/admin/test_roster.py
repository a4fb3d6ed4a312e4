"""Roster import: preview verdicts on good and bad files, one-transaction apply, one-time passwords."""

from __future__ import annotations

import csv
import io

import pytest

from core.admin import roster
from core.errors import AccessDenied, RosterError
from core.identity import accounts
from core.models import Role
from core.store.db import rows, scalar
from tests.conftest import NOW, make_user, stored_hash

GOOD = """first_name,last_name,email,cohort,student_id
Maria,Lopez,Maria.Lopez@Example.edu,Cohort X,S1001
Kwame,Mensah,kwame@example.edu,cohort y,S1002
"""


def _verdicts(plan):
    return [(x.line, x.action, x.why) for x in plan.lines]


def test_good_file_previews_creates_and_writes_nothing(world):
    plan = roster.preview(world.db, world.admin, GOOD.encode())
    assert _verdicts(plan) == [(2, "create", ""), (3, "create", "")]
    assert [(x.email, x.cohort, x.username) for x in plan.lines] == [
        ("maria.lopez@example.edu", "Cohort X", "maria.lopez"), ("kwame@example.edu", "Cohort Y", "kwame")]
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM users") == 6


def test_apply_creates_accounts_in_cohorts_with_one_time_passwords(world):
    db = world.db
    plan = roster.preview(db, world.admin, GOOD.encode())
    result = roster.apply(db, world.admin, plan, now=NOW, rounds=4)
    assert (len(result.created), result.updated, result.rejected) == (2, 0, 0)
    maria = result.created[0]
    assert (maria.username, maria.cohort) == ("maria.lopez", "Cohort X")
    with db.cursor() as cur:
        stored = rows(cur, """SELECT u.username, u.role, u.must_change_password, u.student_number, c.name AS cohort
                              FROM users u JOIN cohort_members m ON m.student_id = u.id
                              JOIN cohorts c ON c.id = m.cohort_id
                              WHERE u.username IN ('maria.lopez', 'kwame') ORDER BY u.username""")
        created_events = scalar(cur, "SELECT count(*) FROM events WHERE action = 'created' AND detail LIKE '%roster%'")
        cohort_of_event = scalar(cur, "SELECT cohort_id FROM events WHERE action = 'created' AND detail LIKE '%kwame%'")
    assert stored == [
        {"username": "kwame", "role": "student", "must_change_password": True, "student_number": "S1002",
         "cohort": "Cohort Y"},
        {"username": "maria.lopez", "role": "student", "must_change_password": True, "student_number": "S1001",
         "cohort": "Cohort X"},
    ]
    assert created_events == 2 and cohort_of_event == world.cohort_y
    assert accounts.check_password(maria.one_time_password, stored_hash(db, "maria.lopez"))
    parsed = list(csv.DictReader(io.StringIO(roster.passwords_csv(result.created).decode("utf-8-sig"))))
    assert [(r["username"], r["one_time_password"]) for r in parsed] == [
        (x.username, x.one_time_password) for x in result.created]


def test_one_time_password_forces_a_change_before_anything_else(world):
    db = world.db
    result = roster.apply(db, world.admin, roster.preview(db, world.admin, GOOD.encode()), now=NOW, rounds=4)
    new = accounts.load_actor(db, accounts.user_id_for_username(db, "kwame"))
    assert accounts.must_change_password(db, new)
    accounts.change_password(db, new, result.created[1].one_time_password, "Kwame-own-42!", rounds=4)
    assert not accounts.must_change_password(db, new)


@pytest.mark.parametrize("text, message", [
    ("name,mail,group\nA,b@x.edu,Cohort X\n", "lacks the columns email, cohort"),
    ("email,cohort\nb@x.edu,Cohort X\n", "lacks the column name (or first_name and last_name)"),
    ("first_name,last_name,email,cohort\n", "no students"),
    ("", "empty"),
])
def test_wrong_columns_are_refused_as_a_whole(world, text, message):
    with pytest.raises(RosterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        roster.preview(world.db, world.admin, text.encode())


def test_bad_lines_are_rejected_with_reasons(world):
    make_user(world.db, "dana.staff", Role.COUNSELOR)
    text = """Name,E-mail,Cohort,Student ID
Lopez, Maria,maria@example.edu,Cohort X,S1
Bad Email,not-an-email,Cohort X,S2
Nowhere Person,nowhere@example.edu,Cohort Z,S3
Maria Again,MARIA@example.edu,Cohort X,S4
Number Twin,twin@example.edu,Cohort X,S1
Staff Clash,dana.staff@example.edu,Cohort X,S5
,missing@example.edu,Cohort X,
Alice Tester,alice@example.edu,Cohort Y,
Bob Tester,bob@example.edu,Cohort X,
"""
    # The registrar's "Last, First" order in one quoted cell.
    text = text.replace("Lopez, Maria,", '"Lopez, Maria",')
    plan = roster.preview(world.db, world.admin, text.encode())
    assert _verdicts(plan) == [
        (2, "create", ""),
        (3, "reject", "'not-an-email' is not an email address"),
        (4, "reject", "no cohort is named 'Cohort Z'"),
        (5, "reject", "same email as line 2"),
        (6, "reject", "same student ID as line 2"),
        (7, "reject", "that email belongs to a counselor account"),
        (8, "reject", "first name is missing"),
        (9, "update", ""),
        (10, "unchanged", ""),
    ]
    assert (plan.lines[0].first_name, plan.lines[0].last_name) == ("Maria", "Lopez")
    assert plan.lines[7].changes == {"cohort_id": world.cohort_y}  # Alice moves from X to Y
    assert plan.as_rows()[7]["Why / what changes"] == "moves to Cohort Y"
    result = roster.apply(world.db, world.admin, plan, now=NOW, rounds=4)
    assert (len(result.created), result.updated, result.rejected) == (1, 1, 6)
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT cohort_id FROM cohort_members WHERE student_id = ?", [world.alice.user_id]) \
            == world.cohort_y
        assert scalar(cur, "SELECT count(*) FROM users "
                           "WHERE email IN ('nowhere@example.edu', 'missing@example.edu')") == 0


def test_existing_student_id_on_another_account_and_archived_cohort_are_rejected(world):
    from core.admin.cohorts import set_archived

    roster.apply(world.db, world.admin, roster.preview(world.db, world.admin, GOOD.encode()), now=NOW, rounds=4)
    set_archived(world.db, world.admin, world.cohort_y, True, now=NOW)
    text = "first_name,last_name,email,cohort,student_id\nNew,One,new1@example.edu,Cohort X,S1001\n" \
           "New,Two,new2@example.edu,Cohort Y,S9\n"
    plan = roster.preview(world.db, world.admin, text.encode())
    assert _verdicts(plan) == [(2, "reject", "that student ID belongs to another account"),
                               (3, "reject", "cohort 'Cohort Y' is archived")]


def test_usernames_never_clash(world):
    text = "first_name,last_name,email,cohort\nA,One,alice@other.edu,Cohort X\nA,Two,alice@third.edu,Cohort X\n"
    plan = roster.preview(world.db, world.admin, text.encode())
    assert [x.username for x in plan.lines] == ["alice2", "alice3"]


def test_apply_is_all_or_nothing_when_an_account_appears_after_the_preview(world):
    plan = roster.preview(world.db, world.admin, GOOD.encode())
    make_user(world.db, "kwame", Role.STUDENT)  # takes the username the preview chose
    with pytest.raises(RosterError, match="preview the file again"):
        roster.apply(world.db, world.admin, plan, now=NOW, rounds=4)
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM users WHERE username = 'maria.lopez'") == 0


def test_excel_exports_with_semicolons_and_cp1252_are_read(world):
    text = "first_name;last_name;email;cohort\nJosé;Müller;jose@example.edu;Cohort X\n"
    plan = roster.preview(world.db, world.admin, text.encode("cp1252"))
    assert [(x.first_name, x.last_name, x.action) for x in plan.lines] == [("José", "Müller", "create")]


def test_passwords_csv_cannot_start_a_formula():
    issued = [roster.IssuedPassword("u", "u@x.edu", "=HYPERLINK(1)", "+1", "Cohort X", "Abc-1234!")]
    text = roster.passwords_csv(issued).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text and ",'+1," in text


@pytest.mark.parametrize("who", ["counselor_x", "alice"])
def test_roster_import_is_refused_to_non_admins(world, who):
    with pytest.raises(AccessDenied):
        roster.preview(world.db, getattr(world, who), GOOD.encode())
    plan = roster.preview(world.db, world.admin, GOOD.encode())
    with pytest.raises(AccessDenied):
        roster.apply(world.db, getattr(world, who), plan, now=NOW, rounds=4)


def test_five_thousand_rows_import_in_one_go(world):
    lines = ["first_name,last_name,email,cohort,student_id"]
    lines += [f"Student{i},Number{i},s{i:05d}@example.edu,Cohort {'XY'[i % 2]},N{i:05d}" for i in range(5000)]
    plan = roster.preview(world.db, world.admin, "\n".join(lines).encode())
    assert plan.count("create") == 5000
    seen: list[int] = []
    result = roster.apply(world.db, world.admin, plan, now=NOW, rounds=4,
                          on_progress=lambda done, total: seen.append(done))
    assert len(result.created) == 5000 and seen[-1] == 5000
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM cohort_members WHERE cohort_id = ?", [world.cohort_x]) == 2 + 2500
        assert scalar(cur, "SELECT count(*) FROM events WHERE action = 'created' AND entity_type = 'user'") == 6 + 5000


# ---------------------------------------------------------------- files that are not a roster at all

HEADER = b"first_name,last_name,email,cohort\n"
NOT_TEXT = ("The file is not a CSV text file (it is neither UTF-8 nor Windows-1252 text). In your spreadsheet, "
            'choose Save as / Download as "CSV UTF-8" and upload that file.')


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", NOT_TEXT),  # an .xlsx renamed .csv
    (bytes(range(256)) * 4, NOT_TEXT),  # neither UTF-8 nor cp1252 (0x81 is undefined there)
    (HEADER + b"Ana,Lopez,ana@demo.example.edu," + b"x" * 131_073 + b"\n",
     "Line 2 has a cell of more than 131,072 characters"),
    (b"", "The file is empty."),
    (b"\xef\xbb\xbf \r\n\r\n", "The file is empty."),
    (HEADER, "The file has a header but no students."),
    (HEADER + b",,,\n\n", "The file has a header but no students."),
])
def test_files_that_are_not_a_roster_get_a_message_and_nothing_is_written(world, data, message):
    with rows_count(world) as before:
        with pytest.raises(RosterError) as refused:
            roster.preview(world.db, world.admin, data)
    assert message in str(refused.value)
    with rows_count(world) as after:
        assert after == before


class rows_count:
    """How many accounts and events there are (for 'nothing was written')."""

    def __init__(self, world) -> None:
        self.world = world

    def __enter__(self) -> tuple[int, int]:
        with self.world.db.cursor() as cur:
            return (scalar(cur, "SELECT count(*) FROM users"), scalar(cur, "SELECT count(*) FROM events"))

    def __exit__(self, *exc) -> None:
        return None


def test_import_is_in_the_event_log_with_who_and_when(world):
    text = "first_name,last_name,email,cohort\nAna,Lopez,ana.lopez@example.edu,Cohort X\n"
    plan = roster.preview(world.db, world.admin, text)
    roster.apply(world.db, world.admin, plan, rounds=4, now=NOW)
    with world.db.cursor() as cur:
        logged = rows(cur, "SELECT actor_id, action, entity_type, occurred_at FROM events "
                           "WHERE action = 'roster_imported'")
    assert [(e["actor_id"], e["entity_type"], e["occurred_at"]) for e in logged] == [
        (world.admin.user_id, "cohort", NOW)]


def _moving_file(*people: tuple[str, str]) -> bytes:
    """A roster moving each (username, cohort) of the world's students, under their stored names and emails."""
    lines = ["first_name,last_name,email,cohort"]
    lines += [f"{username.title()},Tester,{username}@example.edu,{cohort}" for username, cohort in people]
    return ("\n".join(lines) + "\n").encode()


def test_preview_warns_before_moving_a_student_with_campaign_work_and_names_the_work(world):
    from tests.campaign_helpers import _contact, _held_meeting

    cid = _contact(world)
    _contact(world, first_name="Ben", last_name="Ode")
    _held_meeting(world, cid)
    plan = roster.preview(world.db, world.admin, _moving_file(("alice", "Cohort Y"), ("bob", "Cohort Y")))
    assert [(x.action, x.change_words) for x in plan.lines] == [
        ("update", "moves to Cohort Y from Cohort X (has campaign work: 2 targets, 1 meeting held)"),
        ("update", "moves to Cohort Y")]
    assert [x.first_name for x in plan.moves_with_work] == ["Alice"]
    assert plan.move_warnings() == [
        "Line 2: Alice Tester moves from Cohort X to Cohort Y and has campaign work (2 targets, 1 meeting held). "
        "That work stays with Cohort X, counted in its exports for the time Alice was a member; from the import "
        "on, new work counts for Cohort Y."]
    with world.db.cursor() as cur:  # a preview writes nothing
        assert scalar(cur, "SELECT cohort_id FROM cohort_members WHERE student_id = ?",
                      [world.alice.user_id]) == world.cohort_x


def test_a_student_without_campaign_work_moves_without_a_warning(world):
    plan = roster.preview(world.db, world.admin, _moving_file(("bob", "Cohort Y")))
    assert [(x.action, x.change_words) for x in plan.lines] == [("update", "moves to Cohort Y")]
    assert plan.moves_with_work == [] and plan.move_warnings() == []
    result = roster.apply(world.db, world.admin, plan, now=NOW, rounds=4)
    assert result.updated == 1
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT cohort_id FROM cohort_members WHERE student_id = ?",
                      [world.bob.user_id]) == world.cohort_y
