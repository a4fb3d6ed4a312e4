"""Reflections that narrow the search: per-occupation summaries and "who next", on a fixture with known answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.campaign.contacts import add_focus_occupation, create_contact
from core.campaign.meetings import log_meeting, schedule_meeting
from core.campaign.reflections import save_reflection
from core.errors import AccessDenied, NotFound
from core.models import ContactCreate, MeetingCreate, MeetingLog, ReferralCreate, ReflectionCreate, VolunteerCreate
from core.network import narrowing, volunteers
from tests.conftest import NOW


def read(db, fn, *args):
    """One read through the database's own cursor (either store)."""
    with db.cursor() as cur:
        return fn(cur, *args)


def held(world, student, occupation, name, organization, *, fit, skills="", private=False, feelings="", days=10,
         referrals=()):
    """A contact in an occupation, a meeting held `days` ago, and its reflection."""
    contact = create_contact(world.db, student, ContactCreate(first_name=name, last_name="Example",
                                                              organization=organization,
                                                              focus_occupation_id=occupation),
                             now=NOW - timedelta(days=30))
    at = NOW - timedelta(days=days)
    meeting = schedule_meeting(world.db, student, contact.id,
                               MeetingCreate(starts_at_local=at, timezone="UTC", mode="video"),
                               now=at - timedelta(days=3))
    log_meeting(world.db, student, meeting, MeetingLog(skill_words=skills), held_at=at, referrals=list(referrals),
                now=NOW)
    if fit is not None or feelings:
        save_reflection(world.db, student, meeting, ReflectionCreate(
            fit_rating=fit, is_private=private, feelings=feelings or "Useful.", still_need="More people to meet."),
            now=NOW)
    return contact


@pytest.fixture
def campaign(world):
    """Alice: hospital administration fits (5 private, 4), marketing does not (2, 1), policy untried."""
    alice = world.alice
    hospital = add_focus_occupation(world.db, alice, "Hospital administration", now=NOW)
    marketing = add_focus_occupation(world.db, alice, "Marketing", now=NOW)
    policy = add_focus_occupation(world.db, alice, "Policy analysis", now=NOW)
    held(world, alice, hospital, "Grace", "Riverside General", fit=5, private=True, days=20,
         skills="Budgeting, scheduling", feelings="I loved helping patients and the teamwork.",
         referrals=[ReferralCreate(first_name="Noor", last_name="Hale", organization="Lakeview Medical")])
    held(world, alice, hospital, "Hugo", "Lakeview Medical", fit=4, skills="budgeting; people management",
         feelings="Great team; I could help people every day.")
    held(world, alice, marketing, "Mina", "Sunny Foods", fit=2, skills="copywriting", days=8)
    held(world, alice, marketing, "Omar", "Lumen Media", fit=1, skills="Copywriting, analytics", days=6)
    create_contact(world.db, alice, ContactCreate(first_name="Sam", last_name="Park", organization="Sunny Foods",
                                                  focus_occupation_id=marketing), now=NOW)
    create_contact(world.db, alice, ContactCreate(first_name="Ivy", last_name="Stone", organization="Elsewhere Inc"),
                   now=NOW)
    for first, occupation in (("Vera", "Hospital administration"), ("Max", "Marketing")):
        volunteers.add_volunteer(world.db, world.admin, VolunteerCreate(
            first_name=first, last_name="Volunteer", email=f"{first.lower()}@example.org", organization="Volunteer Org",
            occupation=occupation), now=NOW)
    return {"hospital": hospital, "marketing": marketing, "policy": policy}


def test_each_occupation_says_what_its_conversations_suggest(world, campaign):
    summaries = {s.name: s for s in narrowing.occupation_summaries(world.db, world.alice, world.alice.user_id)}
    hospital, marketing, policy = (summaries["Hospital administration"], summaries["Marketing"],
                                   summaries["Policy analysis"])
    assert (hospital.held, hospital.ratings, hospital.average_fit, hospital.suggestion) == (2, [5, 4], 4.5, "deeper")
    assert (marketing.held, marketing.average_fit, marketing.suggestion) == (2, 1.5, "replace")
    assert (policy.held, policy.suggestion) == (0, "start")
    assert hospital.skills == [("budgeting", 2)]
    assert marketing.skills == [("copywriting", 2)]
    assert hospital.values == [("helping people", 2), ("teamwork", 2)]
    assert hospital.advice.startswith("Go deeper (2 conversations held, rated 4.5 of 5 on average over 2).")
    assert "Think about replacing it" in marketing.advice and "your call" in marketing.advice
    assert [c.contact_name for c in hospital.conversations] == ["Grace Example", "Hugo Example"]


def test_a_counselor_sees_the_summary_without_private_reflections(world, campaign):
    summaries = {s.name: s for s in narrowing.occupation_summaries(world.db, world.counselor_x, world.alice.user_id)}
    hospital = summaries["Hospital administration"]
    assert hospital.ratings == [4] and hospital.suggestion == "keep"  # the private 5 is left out
    assert hospital.values == []  # the private reflection's words are left out too
    assert hospital.skills == [("budgeting", 2)]  # meeting logs are not private
    for outsider in (world.counselor_y, world.bob):  # another cohort's counselor, a classmate
        with pytest.raises(NotFound):
            narrowing.occupation_summaries(world.db, outsider, world.alice.user_id)


def test_who_next_ranks_referrals_then_well_rated_volunteers_then_organizations_met(world, campaign):
    ranked = narrowing.who_next(world.db, world.alice)
    assert [(p.kind, p.name) for p in ranked] == [
        ("referral", "Noor Hale"),        # referred in a hospital conversation (fit 4.5)
        ("volunteer", "Vera Volunteer"),  # hospital administration rates well and she has room
        ("organization", "Sam Park"),     # Sunny Foods, where a conversation was held (marketing, fit 1.5)
    ]
    assert ranked[0].reason.startswith("Referred by Grace Example, and not contacted yet")
    assert "rate 4.5 of 5" in ranked[1].reason
    # Max (marketing, rated low) and Ivy (no link to anything met) are not suggested.
    assert not {"Max Volunteer", "Ivy Stone"} & {p.name for p in ranked}
    with pytest.raises(AccessDenied):
        narrowing.who_next(world.db, world.counselor_x)


def test_who_next_leaves_out_someone_already_asked_and_a_full_volunteer(world, campaign):
    from core.campaign.outreach import create_draft, mark_sent
    from core.models import Channel, OutreachCreate
    from core.store.db import scalar

    noor = read(world.db, scalar, "SELECT id FROM contacts WHERE first_name = 'Noor'")
    draft = create_draft(world.db, world.alice, noor, OutreachCreate(channel=Channel.EMAIL, body="Hello"), now=NOW)
    mark_sent(world.db, world.alice, draft, channel=Channel.EMAIL, sent_at=NOW, now=NOW)
    vera = read(world.db, scalar, "SELECT id FROM volunteers WHERE first_name = 'Vera'")
    stored = volunteers.get_volunteer(world.db, world.admin, vera)
    volunteers.update_volunteer(world.db, world.admin, vera, VolunteerCreate(
        **{k: stored[k] for k in ("first_name", "last_name", "email", "organization", "occupation")},
        capacity_per_term=0), now=NOW)
    assert [p.name for p in narrowing.who_next(world.db, world.alice)] == ["Sam Park"]
