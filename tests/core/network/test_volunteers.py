"""The institution's network: the volunteer directory (import, capacity, adding as a target) and care for over-asked
people."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from core.campaign.contacts import add_focus_occupation, create_contact, set_archived
from core.campaign.outreach import list_messages
from core.errors import AccessDenied, DuplicateRecord, NetworkError, NotFound, StaleEdit
from core.models import ContactCreate, Source, VolunteerCreate
from core.network import volunteers
from core.store.db import row, rows, scalar
from tests.conftest import NOW


def read(db, fn, *args):
    """One read through the database's own cursor (either store)."""
    with db.cursor() as cur:
        return fn(cur, *args)

GOOD_FILE = """first_name,last_name,email,organization,title,occupation,topics,contact_preference,capacity_per_term
Dana,Okafor,dana.okafor@example.org,Riverside Health,Data analyst,Health data analysis,\
"first jobs, career change",email,2
Luis,Ferreira,LUIS@example.org,City Museum,Curator,Museum curation,exhibitions,linkedin,1
Mei,Tanaka,mei@example.org,Brightwave,UX researcher,UX research,interviews;portfolios,video,
"""


def volunteer(world, **extra) -> int:
    data = {"first_name": "Dana", "last_name": "Okafor", "email": "dana@example.org",
            "organization": "Riverside Health",
            "title": "Data analyst", "occupation": "Health data analysis", "topics": "first jobs", **extra}
    return volunteers.add_volunteer(world.db, world.admin, VolunteerCreate(**data), now=NOW)


def test_import_previews_then_writes_all_or_nothing(world):
    plan = volunteers.preview_import(world.db, world.admin, GOOD_FILE.encode())
    assert [x.action for x in plan.lines] == ["create", "create", "create"]
    assert plan.lines[1].data.email == "luis@example.org"
    assert plan.lines[2].data.capacity_per_term == 3  # blank: the default
    assert read(world.db, scalar, "SELECT count(*) FROM volunteers") == 0  # a preview writes nothing
    result = volunteers.apply_import(world.db, world.admin, plan, now=NOW)
    assert (result.created, result.updated, result.rejected) == (3, 0, 0)
    report = {v["email"]: v for v in volunteers.volunteer_report(world.db, world.admin, now=NOW)}
    assert report["mei@example.org"]["contact_preference"] == "video"
    assert report["luis@example.org"]["capacity_per_term"] == 1

    # The same file again changes nothing; an edited line is an update naming what changed.
    again = volunteers.preview_import(world.db, world.admin, GOOD_FILE.replace("Curator", "Head curator").encode())
    assert [x.action for x in again.lines] == ["unchanged", "update", "unchanged"]
    assert again.lines[1].why == "title"


def test_a_directory_with_one_name_column_reads_either_order_as_the_roster_does(world):
    plan = volunteers.preview_import(world.db, world.admin, (
        'name,email\n"Cole, Imani",imani@example.org\nLuis  Ortega Ruiz,luis@example.org\n').encode())
    assert [(x.data.first_name, x.data.last_name) for x in plan.lines] == [("Imani", "Cole"), ("Luis Ortega", "Ruiz")]


def test_import_refuses_bad_and_hostile_lines_with_reasons(world):
    volunteer(world, email="taken@example.org")
    hostile = (GOOD_FILE.splitlines()[0] + "\n"
               "Ann,Lee,not-an-email,Org,T,Occ,,email,2\n"
               "Bo,Kim,bo@example.org,=HYPERLINK(\"http://x\"),T,Occ,,email,2\n"
               "Cy,Ng,cy@example.org,Org,T,Occ,@SUM(A1),email,2\n"
               "Di,Wu,di@example.org,Org,T,Occ,,carrier pigeon,2\n"
               "Ed,Ho,ed@example.org,Org,T,Occ,,email,lots\n"
               "Fe,Li,ed@example.org,Org,T,Occ,,email,2\n"
               ",,nobody@example.org,Org,T,Occ,,email,2\n"
               "Gu,Ma,gu@example.org,Org,T,Occ,,email,500\n"
               "Taken,Again,TAKEN@example.org,Org,T,Occ,,email,2\n")
    plan = volunteers.preview_import(world.db, world.admin, hostile.encode())
    verdicts = {x.line: (x.action, x.why) for x in plan.lines}
    assert verdicts[2][0] == "reject" and "not an email address" in verdicts[2][1]
    assert verdicts[3][0] == "reject" and "organization starts with =" in verdicts[3][1]
    assert verdicts[4][0] == "reject" and "topics starts with @" in verdicts[4][1]
    assert verdicts[5][0] == "reject" and "contact preference 'carrier pigeon'" in verdicts[5][1]
    assert verdicts[6][0] == "reject" and "Capacity is a whole number of 0 or more, not 'lots'" in verdicts[6][1]
    assert verdicts[7][0] == "reject" and "same email as line 6" in verdicts[7][1]
    assert verdicts[8][0] == "reject" and "first name is missing" in verdicts[8][1]
    assert verdicts[9][0] == "reject" and "from 0 to 100" in verdicts[9][1]
    assert verdicts[10][0] == "update"  # the directory already has this email (case ignored)
    result = volunteers.apply_import(world.db, world.admin, plan, now=NOW)
    # only the update of the address already there
    assert (result.created, result.updated, result.rejected) == (0, 1, 8)


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"first_name,last_name\nA,B\n", "lacks the column email"),
    (b"PK\x03\x04\x00\x00binary", "not a CSV text file"),
    (b"email,first_name\n", "header but no volunteers"),
    (b"email,first_name\n" + b"x" * (6 * 1024 * 1024), "larger than 5 MB"),
])
def test_a_file_that_is_not_a_directory_is_told_plainly(world, data, message):
    with pytest.raises(NetworkError, match=message):
        volunteers.preview_import(world.db, world.admin, data)


def test_only_the_career_office_keeps_the_directory(world):
    for actor in (world.alice, world.counselor_x):
        with pytest.raises(AccessDenied):
            volunteers.preview_import(world.db, actor, GOOD_FILE.encode())
        with pytest.raises(AccessDenied):
            volunteers.add_volunteer(world.db, actor, VolunteerCreate(first_name="A", email="a@example.org"), now=NOW)
        with pytest.raises(AccessDenied):
            volunteers.volunteer_report(world.db, actor, now=NOW)
        with pytest.raises(AccessDenied):
            volunteers.most_asked_people(world.db, actor, now=NOW)
    with pytest.raises(AccessDenied):
        volunteers.directory(world.db, world.admin, now=NOW)


def test_edits_are_versioned_and_a_duplicate_email_refused(world):
    vid = volunteer(world)
    with pytest.raises(DuplicateRecord):
        volunteer(world, email="DANA@example.org")
    stored = volunteers.get_volunteer(world.db, world.admin, vid)
    data = VolunteerCreate(first_name="Dana", last_name="Okafor", email="dana@example.org", title="Lead analyst")
    volunteers.update_volunteer(world.db, world.admin, vid, data, expected_version=stored["version"], now=NOW)
    with pytest.raises(StaleEdit):
        volunteers.update_volunteer(world.db, world.admin, vid, data, expected_version=stored["version"], now=NOW)
    assert volunteers.get_volunteer(world.db, world.admin, vid)["title"] == "Lead analyst"


def test_students_see_volunteers_in_their_focus_occupations_and_search(world):
    volunteer(world)
    volunteer(world, first_name="Luis", email="luis@example.org", organization="City Museum",
              occupation="Museum curation", topics="exhibitions, collections")
    paused = volunteer(world, first_name="Pat", email="pat@example.org", occupation="Health data analysis")
    volunteers.set_volunteer_active(world.db, world.admin, paused, False, now=NOW)
    add_focus_occupation(world.db, world.alice, "health data analysis", now=NOW)
    shown = volunteers.directory(world.db, world.alice, now=NOW)
    assert [v["first_name"] for v in shown] == ["Dana"]  # the paused one is hidden, the museum is not her focus
    everyone = volunteers.directory(world.db, world.alice, focus_only=False, now=NOW)
    assert {v["first_name"] for v in everyone} == {"Dana", "Luis"}
    assert [v["first_name"] for v in volunteers.directory(world.db, world.alice, search="  COLLECTIONS ",
                                                          focus_only=False, now=NOW)] == ["Luis"]
    assert volunteers.directory(world.db, world.alice, search="%", focus_only=False, now=NOW) == []
    assert "email" not in shown[0]  # the address comes with the contact once added


def test_adding_a_volunteer_makes_a_target_with_the_introduction_drafted(world):
    vid = volunteer(world)
    focus = add_focus_occupation(world.db, world.alice, "Health data analysis", now=NOW)
    added = volunteers.add_as_target(world.db, world.alice, vid, idempotency_key="k1", now=NOW)
    contact = read(world.db, row, "SELECT * FROM contacts WHERE id = ?", [added.contact_id])
    assert contact["source"] == Source.VOLUNTEER.value and contact["email"] == "dana@example.org"
    assert contact["focus_occupation_id"] == focus and contact["student_id"] == world.alice.user_id
    drafts = list_messages(world.db, world.alice, added.contact_id)
    assert len(drafts) == 1 and drafts[0]["sent_at"] is None
    assert drafts[0]["body"].startswith("Dear Dana,\n\nI found your name through our career office")
    assert "{" not in drafts[0]["body"]
    # The same click again (a double submit) makes nothing more; a second add is refused as a duplicate.
    again = volunteers.add_as_target(world.db, world.alice, vid, idempotency_key="k1", now=NOW)
    assert again.contact_id == added.contact_id and len(list_messages(world.db, world.alice, added.contact_id)) == 1
    with pytest.raises(DuplicateRecord):
        volunteers.add_as_target(world.db, world.alice, vid, idempotency_key="k2", now=NOW)
    shown = volunteers.directory(world.db, world.alice, now=NOW)
    assert shown[0]["my_contact_id"] == added.contact_id


def test_capacity_is_respected_and_archiving_gives_the_place_back(world):
    vid = volunteer(world, capacity_per_term=1)
    volunteers.add_as_target(world.db, world.alice, vid, now=NOW)
    full = volunteers.directory(world.db, world.bob, focus_only=False, now=NOW)
    assert full[0]["is_full"] is True  # shown as full, not hidden
    with pytest.raises(NetworkError, match="full this term"):
        volunteers.add_as_target(world.db, world.bob, vid, now=NOW)
    report = volunteers.volunteer_report(world.db, world.admin, now=NOW)[0]
    assert (report["requests"], report["is_full"]) == (1, True)
    alice_contact = read(world.db, scalar, "SELECT contact_id FROM volunteer_requests")
    set_archived(world.db, world.alice, alice_contact, True, now=NOW)
    assert volunteers.add_as_target(world.db, world.bob, vid, now=NOW).contact_id
    # A paused volunteer cannot be added.
    volunteers.set_volunteer_active(world.db, world.admin, vid, False, now=NOW)
    with pytest.raises(NotFound):
        volunteers.add_as_target(world.db, world.yara, vid, now=NOW)


def test_two_students_taking_the_last_place_at_once_cannot_both_have_it(world):
    vid = volunteer(world, capacity_per_term=1)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def take(actor):
        start.wait()
        try:
            volunteers.add_as_target(world.db, actor, vid, now=NOW)
            outcomes.append("added")
        except NetworkError:
            outcomes.append("full")

    threads = [threading.Thread(target=take, args=(a,)) for a in (world.alice, world.bob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["added", "full"]
    assert read(world.db, scalar, "SELECT count(*) FROM volunteer_requests") == 1


def test_meetings_and_thank_yous_on_time_are_counted_per_volunteer(world):
    from core.campaign.meetings import log_meeting, schedule_meeting
    from core.campaign.thanks import save_thank_you
    from core.models import MeetingCreate, MeetingLog, ThankYouCreate

    vid = volunteer(world)
    added = volunteers.add_as_target(world.db, world.alice, vid, now=NOW)
    held = NOW.replace(hour=10) - timedelta(days=1)
    meeting = schedule_meeting(world.db, world.alice, added.contact_id, MeetingCreate(
        starts_at_local=held, timezone="UTC", mode="video"), now=NOW - timedelta(days=2))
    log_meeting(world.db, world.alice, meeting, MeetingLog(insights="Useful."), held_at=held, now=NOW)
    report = volunteers.volunteer_report(world.db, world.admin, now=NOW)[0]
    assert (report["meetings_held"], report["thanked_on_time"]) == (1, 0)
    save_thank_you(world.db, world.alice, added.contact_id, ThankYouCreate(body="Thank you."), meeting_id=meeting,
                   send=True, now=NOW)
    report = volunteers.volunteer_report(world.db, world.admin, now=NOW)[0]
    assert (report["meetings_held"], report["thanked_on_time"]) == (1, 1)


# ---------------------------------------------------------------- over-asked people


def person(**extra) -> ContactCreate:
    return ContactCreate(**{"first_name": "Ravi", "last_name": "Shah", "organization": "Northwind", **extra})


def test_a_student_learns_how_many_others_asked_a_person_never_who(world):
    create_contact(world.db, world.bob, person(email="Ravi@Northwind.example"), now=NOW)
    create_contact(world.db, world.yara, person(first_name=" ravi ", last_name="SHAH", organization="northwind "),
                   now=NOW)
    # Alice names him by email: Bob matches; by name at the organization: Yara matches too.
    demand = volunteers.demand_for_new(world.db, world.alice, person(email="ravi@northwind.example"), now=NOW)
    assert demand.other_students == 2 and not demand.capped
    notice = demand.notice()
    assert notice.startswith("2 other students at your institution") and "counselor" in notice
    for name in ("Bob", "Yara", "bob", "yara"):
        assert name not in notice
    # Someone nobody asked: no notice; the student's own contacts are not "others".
    assert volunteers.demand_for_new(world.db, world.alice, person(first_name="Other"), now=NOW).notice() is None
    own = create_contact(world.db, world.alice, person(organization="Elsewhere"), now=NOW)
    assert volunteers.demand_for_contact(world.db, world.alice, own.id, now=NOW).other_students == 0


def test_the_count_leaves_out_other_terms_archived_contacts_and_deactivated_students(world):
    from core.identity.accounts import set_active

    old = create_contact(world.db, world.bob, person(), now=NOW - timedelta(days=400))
    assert old.id
    archived = create_contact(world.db, world.yara, person(email="r@n.example"), now=NOW)
    set_archived(world.db, world.yara, archived.id, True, now=NOW)
    assert volunteers.demand_for_new(world.db, world.alice, person(), now=NOW).other_students == 0
    create_contact(world.db, world.yara, person(linkedin_url="https://linkedin.com/in/ravi/"), now=NOW,
                   allow_duplicate=True)
    found = volunteers.demand_for_new(world.db, world.alice, person(linkedin_url="http://www.LinkedIn.com/in/ravi"),
                                      now=NOW)
    assert found.other_students == 1
    set_active(world.db, world.admin, world.yara.user_id, False, now=NOW)
    assert volunteers.demand_for_new(world.db, world.alice, person(), now=NOW).other_students == 0


def test_another_student_cannot_read_anyones_contact_through_the_counts(world):
    bobs = create_contact(world.db, world.bob, person(email="ravi@northwind.example"), now=NOW)
    with pytest.raises(NotFound):
        volunteers.demand_for_contact(world.db, world.alice, bobs.id, now=NOW)
    with pytest.raises(AccessDenied):
        volunteers.demand_for_new(world.db, world.counselor_x, person(), now=NOW)


def test_the_career_office_sees_the_most_asked_and_caps_them(world):
    for actor in (world.alice, world.bob, world.yara):
        create_contact(world.db, actor, person(email="ravi@northwind.example"), now=NOW)
        create_contact(world.db, actor, person(first_name="Ana", last_name="Ruiz"), now=NOW)
    create_contact(world.db, world.alice, person(first_name="Solo", organization="Contoso"), now=NOW)
    people = volunteers.most_asked_people(world.db, world.admin, now=NOW)
    assert [(p["person_key"], p["students"]) for p in people] == [
        ("email:ravi@northwind.example", 3), ("name:ana|ruiz|northwind", 3)]
    orgs = volunteers.most_asked_organizations(world.db, world.admin, now=NOW)
    assert [(o["organization"], o["students"], o["people"]) for o in orgs] == [("Northwind", 3, 2)]

    volunteers.set_person_cap(world.db, world.admin, "email:ravi@northwind.example", "Ravi Shah", 2, now=NOW)
    capped = volunteers.demand_for_new(world.db, world.alice, person(email="ravi@northwind.example"),
                                    now=NOW)
    assert capped.capped and capped.notice().startswith("Asked often this term: talk to your counselor first.")
    assert volunteers.most_asked_people(world.db, world.admin, now=NOW)[0]["capped"] is True
    # The default cap applies to everyone without their own; lifting a cap restores the default.
    assert not volunteers.demand_for_new(world.db, world.alice, person(first_name="Ana", last_name="Ruiz"),
                                         now=NOW).capped
    volunteers.set_default_cap(world.db, world.admin, 2, now=NOW)
    assert volunteers.demand_for_new(world.db, world.alice, person(first_name="Ana", last_name="Ruiz"), now=NOW).capped
    volunteers.set_person_cap(world.db, world.admin, "email:ravi@northwind.example", "Ravi Shah", None, now=NOW)
    volunteers.set_default_cap(world.db, world.admin, None, now=NOW)
    assert volunteers.network_settings(world.db)["default_person_cap"] is None
    assert not volunteers.demand_for_new(world.db, world.alice, person(email="ravi@northwind.example"), now=NOW).capped
    with pytest.raises(NetworkError):
        volunteers.set_person_cap(world.db, world.admin, "'; DROP TABLE contacts; --", "x", 2, now=NOW)
    with pytest.raises(NetworkError):
        volunteers.set_default_cap(world.db, world.admin, 0, now=NOW)


def test_the_python_and_sql_person_keys_agree(world):
    samples = [person(email=" Ravi@X.example "), person(linkedin_url="http://linkedin.com/in/ravi/"),
               person(first_name="  Ravi  K ", last_name="SHAH", organization=" North  wind "), person(organization="")]
    for data in samples:
        create_contact(world.db, world.bob, data, now=NOW, allow_duplicate=True)
    stored = read(world.db, rows, f"""SELECT c.*, {volunteers.SQL_PERSON_KEY} AS k FROM contacts c ORDER BY id""")
    for c in stored:
        keys = volunteers.person_keys(email=c["email"], linkedin_url=c["linkedin_url"], first_name=c["first_name"],
                                   last_name=c["last_name"], organization=c["organization"])
        assert keys.key == c["k"]
    assert [c["k"] for c in stored] == ["email:ravi@x.example", "linkedin:https://www.linkedin.com/in/ravi",
                                        "name:ravi k|shah|north wind", None]


# ---------------------------------------------------------------- capacity

HEADER = "first_name,last_name,email,title,capacity_per_term\n"


def test_a_capacity_below_zero_is_refused_as_a_capacity_not_as_a_formula(world):
    plan = volunteers.preview_import(world.db, world.admin, (
        HEADER + "Dana,Okafor,dana@example.org,Analyst,-1\nLuis,Ferreira,luis@example.org,Curator,2.5\n"
                 "Mei,Tanaka,mei@example.org,Researcher,three\nAmos,Lee,amos@example.org,Nurse,+3\n"
                 "Ines,Roy,ines@example.org,Chef,4.0\nOla,Berg,ola@example.org,=HYPERLINK(1),2\n"
                 "Tom,Ek,tom@example.org,Clerk,=2+2\n").encode())
    why = {x.values["first_name"]: x.why for x in plan.lines}
    assert why["Dana"] == "Capacity is a whole number of 0 or more, not '-1'"
    assert why["Luis"] == "Capacity is a whole number of 0 or more, not '2.5'"
    assert why["Mei"] == "Capacity is a whole number of 0 or more, not 'three'"
    assert [x.data.capacity_per_term for x in plan.lines if x.values["first_name"] in ("Amos", "Ines")] == [3, 4]
    # the formula check still fires for text that starts with = (or +, -, @) and is not a number
    assert why["Ola"] == "title starts with =, which a spreadsheet would run as a formula; remove that sign"
    assert why["Tom"] == ("capacity per term starts with =, which a spreadsheet would run as a formula; remove that "
                          "sign; Capacity is a whole number of 0 or more, not '=2+2'")
    assert [x.action for x in plan.lines] == ["reject", "reject", "reject", "create", "create", "reject", "reject"]


def test_the_core_refuses_a_negative_capacity_with_the_same_message(world):
    assert volunteers.capacity_problem(-1) == volunteers.CAPACITY_MESSAGE == "Capacity is a whole number of 0 or more"
    assert volunteers.capacity_problem("-1") == volunteers.CAPACITY_MESSAGE
    assert volunteers.capacity_problem(0) is None and volunteers.capacity_problem("12") is None
    data = VolunteerCreate.model_construct(**{**VolunteerCreate(first_name="Dana", email="dana@example.org")
                                              .model_dump(), "capacity_per_term": -1})
    with pytest.raises(NetworkError, match=r"^Capacity is a whole number of 0 or more\.$"):
        volunteers.add_volunteer(world.db, world.admin, data, now=NOW)
    assert read(world.db, scalar, "SELECT count(*) FROM volunteers") == 0
    vid = volunteer(world)
    with pytest.raises(NetworkError, match=r"^Capacity is a whole number of 0 or more\.$"):
        volunteers.update_volunteer(world.db, world.admin, vid, data, now=NOW)
    assert read(world.db, scalar, "SELECT capacity_per_term FROM volunteers WHERE id = ?", [vid]) == 3
