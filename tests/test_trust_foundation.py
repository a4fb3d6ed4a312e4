"""The rules every saved thing relies on: versions refuse stale saves, form keys create once,
only real conflicts are retried, deactivated actors are refused by core, input text is checked."""

import threading

import duckdb
import pytest
from pydantic import ValidationError

from core.store import versioning
from core.identity.accounts import set_active
from core.campaign.contacts import create_contact, list_contacts
from core.store.db import Database, scalar
from core.errors import AccessDenied, AccountError, CohortError, ContactError, ImportProblem, MeetingError, NotFound, OutreachError, PortalError, ReflectionError, ResearchError, RosterError, StaleEdit, ThankYouError, WriteConflict, check_id
from core.store.idempotency import create_once, was_used
from core.models import ContactCreate, MeetingCreate
from tests.conftest import NOW


def test_every_core_refusal_is_a_portal_error():
    from core.admin import cohorts, roster
    from core.campaign import contacts, linkedin_import, meetings, outreach, reflections, research, thanks
    from core.identity import accounts

    for cls in (AccountError, CohortError, ContactError, ImportProblem,
                MeetingError, OutreachError, ReflectionError, ResearchError,
                RosterError, ThankYouError, NotFound, AccessDenied, WriteConflict, StaleEdit):
        assert issubclass(cls, PortalError), cls


def test_a_stale_version_is_refused_with_what_changed():
    stored = {"version": 3, "about_person": "new", "about_organization": "Acme"}
    versioning.check(stored, 3, what="research", fields=["about_person"])  # same version: fine
    versioning.check(stored, None, what="research", fields=["about_person"])  # no form: not checked
    with pytest.raises(StaleEdit) as caught:
        versioning.check(stored, 2, what="research", fields=["about_person", "about_organization"],
                         original={"about_person": "old", "about_organization": "Acme"})
    assert caught.value.changed == ["about_person"]
    assert caught.value.current == {"about_person": "new", "about_organization": "Acme"}
    assert caught.value.current_version == 3
    assert "changed since you opened it" in str(caught.value)
    with pytest.raises(StaleEdit):
        versioning.check(stored, 0, what="research")  # the form was opened before the record existed


def test_a_form_key_creates_once_even_when_submits_race(tmp_path, world):
    db = Database(tmp_path / "race.duckdb")
    from core.store.migrate import apply_migrations

    apply_migrations(db)
    from tests.conftest import make_user
    from core.models import Role

    student = make_user(db, "racer", Role.STUDENT)
    data = ContactCreate(first_name="Ada", last_name="Lovelace", organization="Engines Ltd")

    def work(cur):
        from core.campaign.contacts import insert_contact

        return insert_contact(cur, student, data, now=NOW)

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(create_once(db, student, "form-1", "contact", work)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and len(set(results)) == 1
    assert len(list_contacts(db, student)) == 1
    assert was_used(db, student, "form-1")
    # A new render of the form (a new key) creates again.
    create_once(db, student, "form-2", "contact", work)
    assert len(list_contacts(db, student)) == 2
    db.close()


def test_a_failure_inside_the_work_is_not_reported_as_someone_elses_save():
    db = Database(":memory:")
    with db.cursor() as cur:
        cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    calls = {"n": 0}

    def work(cur):
        calls["n"] += 1
        try:
            cur.execute("INSERT INTO t VALUES (1), (1)")
        except duckdb.ConstraintException:
            pass  # the work swallows its own error; the next statement meets the aborted transaction
        cur.execute("SELECT 1")

    with pytest.raises(duckdb.TransactionException) as caught:
        db.transaction(work)
    assert not isinstance(caught.value, WriteConflict)
    assert calls["n"] == 1  # not retried six times
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM t") == 0


def test_core_refuses_a_deactivated_actor_for_reads_and_writes(world):
    create_contact(world.db, world.alice, ContactCreate(first_name="Kept"), now=NOW)
    set_active(world.db, world.admin, world.alice.user_id, False, now=NOW)
    with pytest.raises((NotFound, AccessDenied)):
        list_contacts(world.db, world.alice)
    with pytest.raises(AccessDenied):
        create_contact(world.db, world.alice, ContactCreate(first_name="Sneaky"), now=NOW)
    set_active(world.db, world.admin, world.counselor_x.user_id, False, now=NOW)
    with pytest.raises(NotFound):
        list_contacts(world.db, world.counselor_x, student_id=world.bob.user_id)
    # The data stays, and the career office still sees it.
    assert [c["first_name"] for c in list_contacts(world.db, world.admin, student_id=world.alice.user_id)] == ["Kept"]


@pytest.mark.parametrize("value", ["²", "abc", "", "-1", "0", "99999999999999999999999", 10**30, -5, True, None, "1.5"])
def test_ids_that_cannot_name_a_row_are_not_found(value):
    with pytest.raises(NotFound):
        check_id(value, "contact")


def test_ids_that_can_are_returned_as_numbers():
    assert check_id("42") == 42 and check_id(7) == 7


def test_broken_text_and_zoned_times_get_a_message_not_a_crash():
    from datetime import datetime, timezone

    with pytest.raises(ValidationError) as caught:
        ContactCreate(first_name="Ada\udc80")
    assert "not text" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        MeetingCreate(starts_at_local=datetime(2026, 3, 11, 10, tzinfo=timezone.utc), timezone="UTC", mode="video")
    assert "without a time zone" in str(caught.value)


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://evil.example/x")', "see www.evil.example", "write to a@evil.example",
    "[click](http://evil.example)", "![img](http://evil.example/i.png)", "<img src=x onerror=alert(1)>",
    ":red-background[loud] :material/home:", "$x^2$", "&lt;b&gt;",
])
def test_user_text_in_markdown_cannot_make_links_images_or_markup(text):
    from ui.widgets import md_escape

    escaped = md_escape(text)
    unescaped_markup = []
    chars = iter(escaped)
    for ch in chars:
        if ch == "\\":
            next(chars, None)  # an escaped character is shown as itself
        elif ch in "<>[]()!$&*_`:#|~=":
            unescaped_markup.append(ch)
    assert unescaped_markup == []
    shown = escaped.replace("\\", "")
    for autolink in ("://", "www.", "@evil"):
        assert autolink not in shown  # broken by an invisible joiner, so nothing is linked by itself
    # The words themselves are all still there for a person to read.
    assert shown.replace("\u2060", "") == text
