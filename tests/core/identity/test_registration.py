"""Self-registration: off by default, open with the cohort's code and allowed domains, stopped by closing, archiving or
a new code (core/identity/registration.py)."""

from __future__ import annotations

import pytest

from core.admin import cohorts
from core.errors import CohortError, RegistrationError
from core.identity import registration
from core.identity.accounts import check_password
from core.store.db import scalar
from tests.conftest import NOW, stored_hash

# ---------------------------------------------------------------- self-registration


def _register(db, code, username="newbie", email="newbie@school.edu", **extra):
    return registration.register_student(db, invite_code=code, username=username, email=email, first_name="New",
                                         last_name="Student", password=extra.pop("password", "Fresh-start-1!"),
                                         now=NOW, rounds=4, **extra)


def scalar_code(db, cohort_id):
    with db.cursor() as cur:
        return scalar(cur, "SELECT invite_code FROM cohorts WHERE id = ?", [cohort_id])


def test_registration_is_off_by_default(world):
    assert registration.registration_open_anywhere(world.db) is False
    with pytest.raises(RegistrationError, match="not valid"):
        _register(world.db, "ANYTHING")


def test_registration_with_code_and_allowed_domain(world):
    db = world.db
    cohorts.set_registration(db, world.admin, world.cohort_y, open_=True, invite_code="yfall-2026",
                                  allowed_domains="@School.edu, alumni.school.edu", now=NOW)
    assert registration.registration_open_anywhere(db) is True
    found = registration.cohort_for_code(db, " yfall-2026 ")
    assert (found.id, found.allowed_domains) == (world.cohort_y, ("school.edu", "alumni.school.edu"))
    with pytest.raises(RegistrationError, match="@school.edu or @alumni.school.edu"):
        _register(db, "YFALL-2026", email="newbie@gmail.com")
    with pytest.raises(RegistrationError, match="This is a very common password"):
        _register(db, "YFALL-2026", password="password1234")
    new_id = _register(db, "yfall-2026")
    with pytest.raises(RegistrationError, match="email is already used"):
        _register(db, "YFALL-2026", username="other", email="NEWBIE@school.edu")
    with pytest.raises(RegistrationError, match="username is already used"):
        _register(db, "YFALL-2026", username="newbie", email="else@school.edu")
    with db.cursor() as cur:
        assert scalar(cur, "SELECT cohort_id FROM cohort_members WHERE student_id = ?", [new_id]) == world.cohort_y
        assert scalar(cur, "SELECT role FROM users WHERE id = ?", [new_id]) == "student"
        assert scalar(cur, "SELECT cohort_id FROM events WHERE action = 'registered' AND actor_id = ?", [new_id]) \
            == world.cohort_y
    assert check_password("Fresh-start-1!", stored_hash(db, "newbie"))
    # The counselor of Y sees the new student at once; the counselor of X does not.
    from core.identity.access import can_read_student

    with db.cursor() as cur:
        assert can_read_student(cur, world.counselor_y, new_id) and not can_read_student(cur, world.counselor_x, new_id)


def test_closing_archiving_or_changing_the_code_stops_registration(world):
    db = world.db
    cohorts.set_registration(db, world.admin, world.cohort_x, open_=True, now=NOW)
    first = scalar_code(db, world.cohort_x)
    assert len(first) == 9 and registration.cohort_for_code(db, first).id == world.cohort_x
    new = cohorts.regenerate_invite_code(db, world.admin, world.cohort_x, now=NOW)
    assert new != first and registration.cohort_for_code(db, first) is None
    cohorts.set_archived(db, world.admin, world.cohort_x, True, now=NOW)
    assert registration.cohort_for_code(db, new) is None
    with pytest.raises(CohortError, match="archived"):
        cohorts.set_registration(db, world.admin, world.cohort_x, open_=True, now=NOW)
    cohorts.set_archived(db, world.admin, world.cohort_x, False, now=NOW)
    assert registration.cohort_for_code(db, new) is None  # reopening is a separate step
    cohorts.set_registration(db, world.admin, world.cohort_x, open_=True, now=NOW)
    assert registration.cohort_for_code(db, new).id == world.cohort_x
    with pytest.raises(CohortError, match="already uses"):
        cohorts.set_registration(db, world.admin, world.cohort_y, open_=True, invite_code=new, now=NOW)
    with pytest.raises(CohortError, match="not an email domain"):
        cohorts.set_registration(db, world.admin, world.cohort_y, open_=True, allowed_domains="school", now=NOW)
    cohorts.set_registration(db, world.admin, world.cohort_x, open_=False, now=NOW)
    assert registration.cohort_for_code(db, new) is None


def test_registration_takes_a_long_passphrase_and_refuses_a_guessable_one_with_the_reason(world):
    db = world.db
    cohorts.set_registration(db, world.admin, world.cohort_y, open_=True, invite_code="yfall-2026", now=NOW)
    with pytest.raises(RegistrationError, match="at least 12 characters; this one has 10"):
        _register(db, "YFALL-2026", password="Short-1!ab")
    with pytest.raises(RegistrationError, match="too easy to guess"):
        _register(db, "YFALL-2026", password="newbiestudent")  # the person's own username and name
    with pytest.raises(RegistrationError, match="at least 20 characters"):
        _register(db, "YFALL-2026", password="quiet harbour lamps", min_length=20)
    with db.cursor() as cur:
        assert scalar(cur, "SELECT count(*) FROM users WHERE username = 'newbie'") == 0
    phrase = "la lune se lève sur le vieux port de marseille ce soir, très lentement"
    assert len(phrase) >= 64
    _register(db, "yfall-2026", password=phrase)
    assert check_password(phrase, stored_hash(db, "newbie"))


# ---------------------------------------------------------------- the question in words (no picture)

def test_the_question_in_words_takes_its_answer_in_digits_or_words_and_nothing_else():
    import random

    rng = random.Random(7)
    seen = [registration.word_challenge(rng) for _ in range(40)]
    assert {c.question.split(" ")[0] for c in seen} == {"What", "Which"}  # both kinds of question come up
    for challenge in seen:
        assert 0 <= challenge.answer <= 20 and not any(ch.isdigit() for ch in challenge.question)
        assert challenge.accepts(str(challenge.answer)) and challenge.accepts(f"  {challenge.answer} ")
        assert not challenge.accepts(str(challenge.answer + 1)) and not challenge.accepts("")
    sum_ = registration.WordChallenge("What is four plus seven?", 11)
    assert sum_.accepts("Eleven") and sum_.accepts(" eleven ") and not sum_.accepts("twelve")
    largest = next(c for c in seen if c.question.startswith("Which is the largest of "))
    words = largest.question.removeprefix("Which is the largest of ").rstrip("?").replace(" and", ",").split(", ")
    assert len(words) == 3 and largest.accepts(max(words, key=lambda w: registration._NUMBER_WORDS.index(w)))
