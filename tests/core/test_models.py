"""Form models: readable messages per field, trimmed text, and limits that protect the database."""

import pytest
from pydantic import ValidationError

from core.models import (
    CohortCreate,
    ContactCreate,
    MeetingCreate,
    ReferralCreate,
    ResearchUpdate,
    ThankYouCreate,
    UserCreate,
    VolunteerCreate,
    field_errors,
    name_problem,
    searchable,
)
from tests.upload_corpus import BAD_NAMES


def errors(model, **data):
    with pytest.raises(ValidationError) as info:
        model(**data)
    return field_errors(info.value)


def test_contact_messages_name_the_field():
    found = errors(ContactCreate, first_name="  ", email="not-an-email", linkedin_url="linkedin.com/in/x",
                   last_name="x" * 101, priority=7)
    assert found["first_name"] == "First name is required"
    assert found["email"].startswith("Email is not an email address")
    assert found["linkedin_url"] == "LinkedIn address must be a web address starting with https://"
    assert found["last_name"] == "Last name is too long (at most 100 characters)"
    assert "priority" in found


def test_contact_text_is_trimmed_and_blank_optional_fields_become_empty():
    c = ContactCreate(first_name="  Ana ", email="  ", phone=" ", organization=" Acme ")
    assert (c.first_name, c.email, c.phone, c.organization) == ("Ana", None, None, "Acme")
    assert ContactCreate(first_name="A", email="Ana@Example.EDU").email == "ana@example.edu"


def test_html_and_formulas_are_kept_as_plain_text():
    c = ContactCreate(first_name="<script>alert(1)</script>", organization="=HYPERLINK(\"x\")")
    assert c.first_name == "<script>alert(1)</script>"
    assert c.organization.startswith("=")


def test_meeting_time_zone_must_exist():
    from datetime import datetime

    found = errors(MeetingCreate, starts_at_local=datetime(2026, 1, 1), timezone="Nowhere/City", mode="video")
    assert "unknown time zone" in found["timezone"]


def test_usernames_are_lowercased_and_checked():
    base = dict(email="a@b.edu", first_name="A", last_name="B", role="student", password="Long-enough-1")
    assert UserCreate(username=" Ana.Lee ", **base).username == "ana.lee"
    assert "lowercase letters" in errors(UserCreate, username="a b", **base)["username"]


def test_broken_text_and_zoned_times_get_a_message_not_a_crash():
    from datetime import datetime, timezone

    with pytest.raises(ValidationError) as caught:
        ContactCreate(first_name="Ada\udc80")
    assert "not text" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        MeetingCreate(starts_at_local=datetime(2026, 3, 11, 10, tzinfo=timezone.utc), timezone="UTC", mode="video")
    assert "without a time zone" in str(caught.value)


@pytest.mark.parametrize("model, extra", [
    (ContactCreate, {}), (VolunteerCreate, {"email": "v@example.org"}), (ReferralCreate, {}),
    (UserCreate, {"username": "ana", "email": "a@b.edu", "role": "student", "password": "Long-enough-1"}),
])
@pytest.mark.parametrize("case", list(BAD_NAMES))
def test_every_form_of_a_persons_name_refuses_the_same_names_as_the_importers(model, extra, case):
    name = BAD_NAMES[case]
    found = errors(model, first_name=name, last_name="Lee", **extra)
    assert found == {"first_name": f"First name {name_problem(name.strip())}"}
    found = errors(model, first_name="Ana", last_name=name, **extra)
    assert found == {"last_name": f"Last name {name_problem(name.strip())}"}


@pytest.mark.parametrize("bad", ["A\x00b", "A\udc80b", "A\x1bb", "A\x7fb", "A\x85b"])
def test_text_no_store_can_hold_is_refused_next_to_its_field_in_every_kind_of_field(bad):
    found = errors(ContactCreate, first_name="Ana", organization=bad, phone=bad)
    assert set(found) == {"organization", "phone"} and found["organization"].startswith("Organization holds ")
    assert errors(ThankYouCreate, body=bad)["body"].startswith("Body holds ")
    assert errors(ResearchUpdate, about_person=bad)["about_person"].startswith("About person holds ")


def test_multi_line_fields_keep_tabs_and_line_breaks_one_line_fields_refuse_them():
    assert ThankYouCreate(body="Dear Ana,\r\n\tthank you.").body == "Dear Ana,\r\n\tthank you."
    assert ResearchUpdate(about_person="a\nb\tc").about_person == "a\nb\tc"
    assert errors(ContactCreate, first_name="Ana", title="Lead\nanalyst") == {
        "title": "Title must be on one line, without tabs or line breaks"}
    assert errors(CohortCreate, name="Fall\t2026", term_start="2026-09-01", term_end="2026-12-01") == {
        "name": "Name must be on one line, without tabs or line breaks"}


def test_a_search_is_cleaned_not_refused():
    assert searchable(" Ana\x00 \udc80Lee\x1b\t\n  Acme ") == "Ana Lee Acme"
    assert searchable(None) == "" and len(searchable("x" * 500)) == 200
