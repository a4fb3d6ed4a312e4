"""The LinkedIn Connections.csv importer on real-shaped files, and what it refuses."""

from datetime import date

import pytest

from core.campaign import contacts
from core.campaign.linkedin_import import import_connections, parse_connections, preview
from core.errors import AccessDenied, ImportProblem
from core.models import ContactCreate
from core.store.db import scalar
from tests.conftest import NOW

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
PREAMBLE_3 = ('Notes:\n"When exporting your connection data, you may notice that some of the email addresses are '
              'missing. You will only see email addresses for connections who have allowed their connections to '
              'see or download their email address."\n\n')
PREAMBLE_2 = "Notes:\n\"Some email addresses may be missing.\"\n"
ROWS = ('Ana,Lee,https://www.linkedin.com/in/ana-lee,,County Health Department,Epidemiologist,12 Mar 2024\n'
        'Ben,Okoro,https://www.linkedin.com/in/ben-okoro,ben@example.org,"Meridian Partners, LLC",Analyst,03 Jan 2023\n'
        'Chloe,Diaz,https://www.linkedin.com/in/chloe-diaz,,"Sunny Foods, Inc.","Brand Manager, North America",'
        '28 Feb 2025\n')


def _file(preamble=PREAMBLE_3, rows=ROWS, bom=True) -> bytes:
    return (("\ufeff" if bom else "") + preamble + HEADER + rows).encode("utf-8")


@pytest.mark.parametrize("preamble", [PREAMBLE_3, PREAMBLE_2, ""])
def test_header_found_after_a_variable_preamble(preamble):
    parsed = parse_connections(_file(preamble))
    assert [(c.first_name, c.last_name, c.organization, c.title, c.email, c.connected_on)
            for c in parsed.connections] == [
        ("Ana", "Lee", "County Health Department", "Epidemiologist", None, date(2024, 3, 12)),
        ("Ben", "Okoro", "Meridian Partners, LLC", "Analyst", "ben@example.org", date(2023, 1, 3)),
        ("Chloe", "Diaz", "Sunny Foods, Inc.", "Brand Manager, North America", None, date(2025, 2, 28)),
    ]
    assert parsed.rejected == []


def test_import_writes_targets_with_linkedin_fields_and_events(world):
    parsed = parse_connections(_file())
    result = import_connections(world.db, world.alice, parsed, now=NOW)
    assert result.imported == 3 and result.skipped == []
    listed = contacts.list_contacts(world.db, world.alice)
    assert sorted((c["first_name"], c["source"], c["linkedin_url"], c["email"], str(c["connected_on"]), c["stage"])
                  for c in listed) == [
        ("Ana", "linkedin", "https://www.linkedin.com/in/ana-lee", None, "2024-03-12", "target"),
        ("Ben", "linkedin", "https://www.linkedin.com/in/ben-okoro", "ben@example.org", "2023-01-03", "target"),
        ("Chloe", "linkedin", "https://www.linkedin.com/in/chloe-diaz", None, "2025-02-28", "target"),
    ]
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM events WHERE action = 'imported' AND student_id = ?",
                      [world.alice.user_id]) == 3
    # Bob's list is untouched: the import is scoped to the acting student.
    assert contacts.list_contacts(world.db, world.bob) == []


def test_duplicates_in_the_list_and_in_the_file_are_skipped_and_reported(world):
    contacts.create_contact(world.db, world.alice, ContactCreate(
        first_name="Ana", last_name="Lee", organization="Elsewhere", linkedin_url="https://www.linkedin.com/in/ana-lee/"),
        now=NOW)
    contacts.create_contact(world.db, world.alice, ContactCreate(
        first_name="ben", last_name="okoro", organization="Meridian Partners, LLC"), now=NOW)
    rows = ROWS + 'Chloe,Diaz,https://www.linkedin.com/in/chloe-diaz,,"Sunny Foods, Inc.",Brand Manager,28 Feb 2025\n'
    parsed = parse_connections(_file(rows=rows))
    fresh, skipped = preview(world.db, world.alice, parsed)
    assert [c.first_name for c in fresh] == ["Chloe"]
    assert skipped == [("Ana Lee", "already in your list"), ("Ben Okoro", "already in your list"),
                       ("Chloe Diaz", "repeated in the file (line 8)")]
    result = import_connections(world.db, world.alice, parsed, now=NOW)
    assert result.imported == 1 and len(result.skipped) == 3
    assert len(contacts.list_contacts(world.db, world.alice)) == 3


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty"),
    (b"   \n\n", "The file is empty"),
    (b"name,amount\nrent,900\nfood,300\n", "does not look like LinkedIn's Connections.csv"),
    ("Notes:\nblah\n\n".encode() + HEADER.encode(), "no connections under it"),
])
def test_foreign_or_empty_files_import_nothing(world, data, message):
    with pytest.raises(ImportProblem, match=message):
        parse_connections(data)


def test_rows_without_a_name_or_with_a_bad_email_are_reported_not_fatal():
    rows = ROWS + ',,https://www.linkedin.com/in/nobody,,Acme,CEO,01 Jan 2020\n' \
                  'Dee,,https://www.linkedin.com/in/dee,not-an-email,Acme,CTO,bad date\n'
    parsed = parse_connections(_file(rows=rows, bom=False))
    assert parsed.rejected == [(8, "no name")]  # Notes, note, blank, header, three people, then this
    dee = parsed.connections[-1]
    assert (dee.first_name, dee.email, dee.connected_on) == ("Dee", None, None)


def test_windows_1252_file_is_read():
    data = (PREAMBLE_2 + HEADER
            + "José,Núñez,https://www.linkedin.com/in/jn,,Café Olé,Owner,5 Jun 2022\n").encode("cp1252")
    [c] = parse_connections(data).connections
    assert (c.first_name, c.organization) == ("José", "Café Olé")


def test_only_students_import(world):
    parsed = parse_connections(_file())
    with pytest.raises(AccessDenied):
        import_connections(world.db, world.counselor_x, parsed, now=NOW)


def test_a_focus_occupation_of_another_student_is_refused_and_nothing_is_written(world):
    bobs = contacts.add_focus_occupation(world.db, world.bob, "Policy analysis", now=NOW)
    with pytest.raises(ImportProblem):
        import_connections(world.db, world.alice, parse_connections(_file()), focus_occupation_id=bobs, now=NOW)
    assert contacts.list_contacts(world.db, world.alice) == []


def test_ten_thousand_rows_in_one_transaction_with_progress(world):
    rows = "".join(f'Person{i},Surname{i},https://www.linkedin.com/in/p{i},,"Org {i % 50}, Ltd",Role {i},'
                   f'{1 + i % 28} Mar 2024\n' for i in range(10_000))
    parsed = parse_connections(_file(rows=rows))
    assert len(parsed.connections) == 10_000
    seen = []
    result = import_connections(world.db, world.alice, parsed, progress=seen.append, now=NOW)
    assert result.imported == 10_000
    assert seen[-1] == 1.0 and len(seen) == 10 and seen == sorted(seen)
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM contacts WHERE student_id = ?", [world.alice.user_id]) == 10_000
        assert scalar(cur, "SELECT count(*) FROM contacts WHERE organization = 'Org 7, Ltd'", []) == 200
    again = import_connections(world.db, world.alice, parsed, now=NOW)
    assert again.imported == 0 and len(again.skipped) == 10_000


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty"),
    ("Notes:\n\"Some email addresses may be missing.\"\n\n".encode(), "does not look like LinkedIn's Connections.csv"),
    (("\ufeff" + HEADER + ROWS).encode("utf-16"), "not a text CSV"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "not a text CSV"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "not a text CSV"),
    ((HEADER + 'Ana,Lee,,,"' + "x" * 131_072 + '",CEO,\n').encode(), "holds more than 10,000 characters"),
    ((HEADER + 'Ana,Lee,,,"' + "x" * 200_000 + '",CEO,\n').encode(), "holds more than 10,000 characters"),
    (("Notes:\n" + "y" * 140_000 + "\n").encode(), "holds more than 10,000 characters"),
])
def test_bad_uploads_get_a_clear_message_and_write_nothing(world, data, message):
    from core.campaign.contacts import list_contacts
    with pytest.raises(ImportProblem, match=message) as refused:
        import_connections(world.db, world.alice, parse_connections(data), now=NOW)
    assert "Nothing was imported" in str(refused.value) or "empty" in str(refused.value)
    assert list_contacts(world.db, world.alice, include_archived=True) == []
    with world.db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM events WHERE entity_type = 'contact'") == 0


@pytest.mark.parametrize("written, read", [
    ("12 Mar 2024", date(2024, 3, 12)), ("7-Feb-22", date(2022, 2, 7)), ("2024-03-12", date(2024, 3, 12)),
    ("03/12/2024", date(2024, 3, 12)), ("Mar 12, 2024", date(2024, 3, 12)), ("12 March 2024", date(2024, 3, 12)),
])
def test_the_date_formats_linkedin_has_used_are_read(written, read):
    parsed = parse_connections(_file(rows=f"Ana,Lee,https://www.linkedin.com/in/ana,,Acme,CEO,\"{written}\"\n"))
    assert [c.connected_on for c in parsed.connections] == [read] and parsed.undated == []


@pytest.mark.parametrize("written", ["30 Feb 2024", "Mar 2024", "soon", "12 Mar 1066"])
def test_a_date_that_names_no_whole_real_day_is_named_not_guessed(written):
    parsed = parse_connections(_file(rows=ROWS + f"Dee,Park,https://www.linkedin.com/in/dee,,Acme,CTO,{written}\n",
                                     bom=False))
    dee = parsed.connections[-1]
    assert (dee.first_name, dee.connected_on) == ("Dee", None)
    assert parsed.undated == [(8, written)]  # the person is kept; the line is named in the preview
