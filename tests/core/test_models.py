"""Form models: readable messages per field, trimmed text, and limits that protect the database."""

import pytest
from pydantic import ValidationError

from core.models import ContactCreate, MeetingCreate, UserCreate, field_errors


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
