"""The demo cohort: an admin, two counselors, two cohorts and 24 students at every stage.

Deterministic (random.Random(42)) and created through the same core functions that users'
actions go through. Times are laid out backwards from the moment of seeding, so overdue
thank-yous, stalled students and upcoming meetings are overdue, stalled and upcoming today.

    python -m seeds.demo --if-empty        seed an empty database (what `make run` does)
    python -m seeds.demo --print-logins    show the demo sign-ins
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.admin.cohorts import add_goal, add_student, assign_counselor, create_cohort
from core.admin.library import list_items, load_library
from core.campaign import contacts, keep_in_touch, meetings, merge_fields, outreach, reflections, research, thanks
from core.clock import utcnow
from core.identity.access import SYSTEM
from core.identity.accounts import create_user
from core.models import (
    Actor,
    Channel,
    CohortCreate,
    CommentCreate,
    ContactCreate,
    FollowUpCreate,
    FollowUpKind,
    GoalCreate,
    GoalMetric,
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
    Reply,
    ResearchUpdate,
    Role,
    Source,
    Stage,
    ThankYouCreate,
    UserCreate,
)
from core.oversight import comments
from core.store.commands import command
from core.store.db import Database, open_database, scalar
from core.store.migrate import apply_migrations

DEMO_PASSWORD = "Demo-2026!"
ADMIN = ("admin", "Morgan", "Ellis")
COUNSELORS = [("counselor.rivera", "Dana", "Rivera"), ("counselor.okafor", "Chidi", "Okafor")]
COHORTS = ["Health & Science Explorers, Fall 2026", "Business & Policy Explorers, Fall 2026"]

FIRST = ["Amara", "Ben", "Chloe", "Diego", "Elif", "Farah", "Gabriel", "Hana", "Isaac", "Jade", "Kofi", "Lena",
         "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Samir", "Tess", "Uma", "Victor", "Wen", "Yusuf"]
LAST = ["Adeyemi", "Brooks", "Chen", "Dubois", "Erdogan", "Farouk", "Garcia", "Hoang", "Ibrahim", "Jensen", "Kowalski",
        "Lopez", "Morales", "Nakamura", "Osei", "Patel", "Quinlan", "Rossi", "Sato", "Thompson", "Usman", "Vargas",
        "Wong", "Yilmaz"]

# Occupation -> (field, [(title, organization)]) for each cohort's theme.
OCCUPATIONS = {
    0: {
        "Hospital administration": ("Health care management", [("Operations Manager", "Riverside General Hospital"),
                                    ("Patient Services Director", "Lakeview Medical Center"),
                                    ("Quality Improvement Lead", "Northgate Health")]),
        "Public health research": ("Public health", [("Epidemiologist", "County Health Department"),
                                   ("Research Coordinator", "Eastbrook University Medical School"),
                                   ("Program Evaluator", "Healthy Communities Foundation")]),
        "Physical therapy": ("Rehabilitation", [("Physical Therapist", "Motion Rehab Clinic"),
                             ("Clinic Director", "Stride Sports Therapy"),
                             ("Pediatric PT", "Children's Therapy Center")]),
        "Environmental science": ("Environment", [("Environmental Consultant", "Greenline Consulting"),
                                  ("Water Quality Analyst", "Regional Water Authority"),
                                  ("Sustainability Officer", "Harbor City Council")]),
    },
    1: {
        "Management consulting": ("Consulting", [("Associate Consultant", "Meridian Partners"),
                                  ("Engagement Manager", "Brightpath Advisory"), ("Analyst", "Copperfield Group")]),
        "Policy analysis": ("Public policy", [("Policy Analyst", "State Budget Office"),
                            ("Legislative Aide", "Office of Senator Hale"),
                            ("Research Fellow", "Civic Futures Institute")]),
        "Recruiting": ("Talent acquisition", [("Technical Recruiter", "Northwind Software"),
                       ("Campus Recruiting Lead", "Atlas Financial"), ("Talent Partner", "Bloom Retail Group")]),
        "Marketing": ("Marketing", [("Brand Manager", "Sunny Foods"), ("Content Strategist", "Lumen Media"),
                      ("Marketing Analyst", "Parkside Outfitters")]),
    },
}
CONTACT_FIRST = ["Alex", "Bianca", "Carlos", "Deborah", "Ethan", "Fatima", "George", "Helena", "Ivan", "Julia", "Karim",
                 "Laura", "Marcus", "Noor", "Oliver", "Paula", "Raj", "Sofia", "Thomas", "Valeria", "William", "Xin",
                 "Yara", "Zoe"]
CONTACT_LAST = ["Abbott", "Baker", "Castillo", "Delgado", "Evans", "Fischer", "Grant", "Hughes", "Iverson", "Jordan",
                "Kim", "Larsen", "Mendez", "Nolan", "Ortiz", "Park", "Reyes", "Singh", "Turner", "Walsh"]
SOURCES = [Source.ALUMNI, Source.LINKEDIN, Source.FAMILY, Source.PROFESSOR, Source.CAREER_FAIR, Source.ASSOCIATION,
           Source.GUEST_SPEAKER, Source.FORMER_SUPERVISOR, Source.CLASSMATE, Source.FRIEND]

# One profile per student in each cohort, so every stage and every flag shows up in both.
PROFILES = ["no_targets", "targets", "research", "outreach_waiting", "outreach_no_reply", "meeting_upcoming",
            "thank_overdue", "thanked_no_reflection", "reflected", "keep_in_touch", "landed", "stalled"]


@dataclass
class Step:
    """How far to take one contact and whether to leave a gap for the to-do list to show."""

    stage: Stage
    reply: Reply | None = Reply.ACCEPTED
    thank_sent: bool = True
    reflect: bool = True
    upcoming: bool = False
    referral: bool = False


PROFILE_STEPS = {
    "targets": Step(Stage.TARGET),
    "research": Step(Stage.RESEARCH),
    "outreach_waiting": Step(Stage.OUTREACH, reply=None),
    "outreach_no_reply": Step(Stage.OUTREACH, reply=Reply.NO_REPLY),
    "meeting_upcoming": Step(Stage.OUTREACH, upcoming=True),
    "thank_overdue": Step(Stage.INTERVIEW, thank_sent=False, reflect=False),
    "thanked_no_reflection": Step(Stage.THANK, reflect=False, referral=True),
    "reflected": Step(Stage.REFLECT, referral=True),
    "keep_in_touch": Step(Stage.KEEP_IN_TOUCH, referral=True),
    "landed": Step(Stage.KEEP_IN_TOUCH, referral=True),
    "stalled": Step(Stage.OUTREACH, reply=Reply.DECLINED),
}


def is_empty(db: Database) -> bool:
    """Whether the database has no accounts yet."""
    with db.cursor() as cur:
        return not scalar(cur, "SELECT count(*) FROM users")


def seed_demo(db: Database, *, now: datetime | None = None, rounds: int = 12) -> dict[str, int]:
    """Create the demo cohort in an empty database; do nothing if any account exists."""
    apply_migrations(db)
    load_library(db)
    if not is_empty(db):
        return {"students": 0}
    now = (now or utcnow()).replace(microsecond=0)
    rng = random.Random(42)
    make = lambda username, first, last, role, number=None: create_user(  # noqa: E731
        db, SYSTEM, UserCreate(username=username, email=f"{username}@demo.example.edu", first_name=first,
                               last_name=last, role=role, password=DEMO_PASSWORD, student_number=number),
        now=now - timedelta(days=60), rounds=rounds)
    make(*ADMIN, Role.ADMIN)
    counselors = [make(username, first, last, Role.COUNSELOR) for username, first, last in COUNSELORS]
    questions = list_items(db, SYSTEM, "question")
    templates = {t["seed_key"]: t for t in list_items(db, SYSTEM, "template")}
    term_start = (now - timedelta(days=50)).date()
    students = 0
    for c_index, name in enumerate(COHORTS):
        cohort = create_cohort(db, SYSTEM, CohortCreate(
            name=name, term_start=term_start, term_end=term_start + timedelta(days=105)), now=now - timedelta(days=55))
        assign_counselor(db, SYSTEM, cohort.id, counselors[c_index].id, now=now - timedelta(days=55))
        due = term_start + timedelta(days=98)  # two weeks before the term ends
        for metric, count in ((GoalMetric.TARGETS, 6), (GoalMetric.INTERVIEWS, 2), (GoalMetric.THANKED, 2)):
            add_goal(db, Actor(counselors[c_index].id, Role.COUNSELOR), cohort.id,
                     GoalCreate(metric=metric, target_count=count, due_on=due), now=now - timedelta(days=50))
        for s_index, profile in enumerate(PROFILES):
            n = c_index * len(PROFILES) + s_index
            username = f"student{n + 1:02d}"
            student = make(username, FIRST[n], LAST[(n * 7) % len(LAST)], Role.STUDENT, f"S{2026000 + n + 1}")
            add_student(db, SYSTEM, cohort.id, student.id, now=now - timedelta(days=50))
            actor = Actor(student.id, Role.STUDENT, f"{student.first_name} {student.last_name}")
            _build_campaign(db, actor, rng, profile, OCCUPATIONS[c_index], questions, templates, now)
            if profile in ("thank_overdue", "research", "reflected"):
                _counselor_comment(db, Actor(counselors[c_index].id, Role.COUNSELOR), student.id, profile, now)
            students += 1
    _volunteers(db, now)
    return {"students": students}


# The career office's volunteer directory: alumni and employer friends, one or two per demo occupation.
VOLUNTEERS = [
    ("Grace", "Mbeki", "Riverside General Hospital", "Chief Operating Officer", "Hospital administration",
     "hospital operations, first jobs in health care", "email", 3),
    ("Tomas", "Lindqvist", "County Health Department", "Senior Epidemiologist", "Public health research",
     "field studies, graduate school choices", "video", 2),
    ("Aisha", "Rahman", "Stride Sports Therapy", "Physical Therapist", "Physical therapy",
     "clinical placements, sports rehabilitation", "phone", 2),
    ("Leo", "Fontaine", "Greenline Consulting", "Environmental Consultant", "Environmental science",
     "consulting work, field sampling", "email", 0),
    ("Hannah", "Berg", "Meridian Partners", "Engagement Manager", "Management consulting",
     "case interviews, switching industries", "linkedin", 3),
    ("Diego", "Santos", "Civic Futures Institute", "Research Fellow", "Policy analysis",
     "policy writing, public service careers", "email", 2),
    ("Mira", "Kapoor", "Northwind Software", "Technical Recruiter", "Recruiting",
     "how recruiters read a CV, campus hiring", "video", 4),
    ("Owen", "Clarke", "Lumen Media", "Content Strategist", "Marketing",
     "portfolios, agency or in-house", "email", 2),
]


def _volunteers(db: Database, now: datetime) -> None:
    from core.identity.accounts import user_id_for_username
    from core.models import ContactPreference, VolunteerCreate
    from core.network import volunteers

    admin = Actor(user_id_for_username(db, ADMIN[0]), Role.ADMIN, "Career office")
    for first, last, org, title, occupation, topics, preference, capacity in VOLUNTEERS:
        volunteers.add_volunteer(db, admin, VolunteerCreate(
            first_name=first, last_name=last, email=f"{first}.{last}@volunteers.example.org".lower(), organization=org,
            title=title, occupation=occupation, topics=topics, contact_preference=ContactPreference(preference),
            capacity_per_term=capacity), now=now - timedelta(days=45))


def _build_campaign(db, actor, rng, profile, occupations, questions, templates, now) -> None:
    if profile == "no_targets":
        return
    stalled = profile == "stalled"
    # Active students started two to three weeks ago, so only the stalled profile looks stalled.
    start = now - timedelta(days=rng.randint(14, 20))
    if stalled:
        start = now - timedelta(days=42)
    names = rng.sample(sorted(occupations), 2 if profile in ("targets", "research") else 3)
    focus = {name: contacts.add_focus_occupation(db, actor, name, now=start) for name in names}
    lead = PROFILE_STEPS[profile]
    count = rng.randint(3, 6) if not stalled else 3
    for k in range(count):
        occupation = names[k % len(names)]
        field, roles = occupations[occupation]
        title, org = roles[k % len(roles)]
        data = ContactCreate(
            first_name=rng.choice(CONTACT_FIRST), last_name=rng.choice(CONTACT_LAST), organization=org, title=title,
            field=field, focus_occupation_id=focus[occupation], source=rng.choice(SOURCES), priority=rng.randint(1, 3),
            email=None if k % 3 == 2 else f"contact{actor.user_id}{k}@example.org",
        )
        t0 = start + timedelta(days=k * 2, hours=rng.randint(1, 8))
        if stalled:
            t0 = now - timedelta(days=40 - k)
        contact = contacts.create_contact(db, actor, data, now=t0)
        # The first contact carries the profile; the others trail one or two stages behind.
        step = lead if k == 0 else Step(Stage(list(Stage)[max(0, min(lead.stage.order - k, 3))]),
                                        reply=None if k % 2 else Reply.ACCEPTED)
        if stalled:
            step = Step(Stage.OUTREACH if k == 0 else Stage.RESEARCH, reply=Reply.DECLINED)
        _advance(db, actor, rng, contact, step, t0, questions, templates, now, profile)
    if profile == "landed":
        helped = [c["id"] for c in contacts.list_contacts(db, actor)][:2]
        keep_in_touch.record_outcome(db, actor, OutcomeCreate(
            kind=OutcomeKind.INTERNSHIP, organization=contacts.get_contact(db, actor, helped[0]).organization,
            title="Summer intern", description="Offer accepted after a referral from an informational interview.",
            decided_on=(now - timedelta(days=2)).date(), helped_contact_ids=helped), now=now - timedelta(days=2))


def _advance(db, actor, rng, contact, step: Step, t0: datetime, questions, templates, now, profile) -> None:
    if step.stage.order < Stage.RESEARCH.order and not step.upcoming:
        return
    t = t0 + timedelta(days=1)
    research.save_research(db, actor, contact.id, ResearchUpdate(
        about_person=f"{contact.title} at {contact.organization}; about eight years in the field.",
        about_organization=f"{contact.organization}: read the annual report and recent news; main competitors noted.",
        about_field=f"Trends in {contact.field.lower()}: staffing shortages, new regulation, data skills in demand.",
        links="https://example.org/profile\nhttps://example.org/annual-report"), now=t)
    for q in rng.sample(questions, 3):
        research.add_planned_question(db, actor, contact.id, PlannedQuestionCreate(
            text=q["body"], category=q["category"], library_item_id=q["id"]), now=t)
    if step.stage.order < Stage.OUTREACH.order and not step.upcoming:
        return
    template = templates["template:request-email"]
    values = {"contact_first_name": contact.first_name, "connection": "We met at the spring career fair.",
              "field": contact.field, "organization": contact.organization, "student_name": actor.name}
    body = merge_fields.fill(template["body"], values)
    t = t0 + timedelta(days=2)
    message_id = outreach.create_draft(db, actor, contact.id, OutreachCreate(
        channel=Channel.EMAIL, subject=merge_fields.fill(template["subject"], values), body=body,
        library_item_id=template["id"]), now=t)
    sent = t0 + timedelta(days=3)
    if profile == "outreach_no_reply":
        sent = now - timedelta(days=8)
    if profile == "outreach_waiting":
        sent = now - timedelta(days=1)
    outreach.mark_sent(db, actor, message_id, channel=Channel.EMAIL, sent_at=min(sent, now), now=min(sent, now))
    if step.reply is None:
        return
    replied = min(sent + timedelta(days=2), now)
    outreach.record_reply(db, actor, message_id, step.reply, replied_at=replied, now=replied)
    if step.reply != Reply.ACCEPTED:
        return
    if step.upcoming:
        meetings.schedule_meeting(db, actor, contact.id, MeetingCreate(
            starts_at_local=(now + timedelta(days=3)).replace(hour=10, minute=0, second=0),
            timezone="America/New_York", mode=MeetingMode.VIDEO, location="Video call link to follow"), now=replied)
        return
    if step.stage.order < Stage.INTERVIEW.order:
        return
    held = replied + timedelta(days=4, hours=3)
    if profile == "thank_overdue":
        held = now - timedelta(hours=70)
    held = min(held, now - timedelta(hours=2))
    meeting_id = meetings.schedule_meeting(db, actor, contact.id, MeetingCreate(
        starts_at_local=meetings.to_local(held, "America/New_York").replace(tzinfo=None), timezone="America/New_York",
        mode=rng.choice([MeetingMode.IN_PERSON, MeetingMode.VIDEO, MeetingMode.PHONE]),
        location="Coffee shop near campus"), now=replied)
    planned = research.list_planned_questions(db, actor, contact.id)
    notes = [MeetingNote(question=p["text"], planned_question_id=p["id"],
                         answer="Long answer: mostly meetings in the morning, analysis after lunch; loves the variety.")
             for p in planned]
    refs = []
    if step.referral:
        refs = [ReferralCreate(first_name=rng.choice(CONTACT_FIRST), last_name=rng.choice(CONTACT_LAST),
                               organization=contact.organization, title="Senior colleague", may_use_name=True,
                               note=f"Suggested by {contact.first_name}")]
    meetings.log_meeting(db, actor, meeting_id, MeetingLog(
        insights="The role is more about people than spreadsheets; the first year is mostly learning the systems.",
        skill_words="stakeholder management, data analysis, clear writing, prioritisation",
        advice="Join the regional association and volunteer for one of its events.",
        resources="The association's monthly newsletter; an industry podcast recommended by name.",
        resume_feedback="Lead with the project work; cut the list of coursework."),
        notes=notes, referrals=refs, held_at=held, now=held + timedelta(hours=1))
    if not step.thank_sent:
        return
    thanked = min(held + timedelta(hours=rng.randint(5, 30)), now - timedelta(hours=1))
    ty = thanks.create_thank_you(db, actor, contact.id, ThankYouCreate(
        body=f"Dear {contact.first_name},\n\nThank you for your time yesterday. Your advice about the regional "
             f"association was exactly what I needed.\n\nWith thanks,\n{actor.name}"),
        meeting_id=meeting_id, now=thanked)
    thanks.mark_thank_you_sent(db, actor, ty, sent_at=thanked, now=thanked)
    if not step.reflect:
        return
    reflected = min(thanked + timedelta(hours=6), now - timedelta(minutes=30))
    reflections.save_reflection(db, actor, meeting_id, ReflectionCreate(
        feelings="Energised: the work is closer to what I hoped than I expected.",
        see_myself="Yes, at least the team side of it; less sure about the hours.",
        view_changed="I thought it was mostly technical; it is mostly about people.",
        still_need="What the first two years look like in a smaller organization; ask the referral.",
        fit_rating=rng.randint(3, 5), is_private=profile == "keep_in_touch"), now=reflected)
    if step.stage.order < Stage.KEEP_IN_TOUCH.order:
        return
    later = min(reflected + timedelta(days=10), now - timedelta(hours=1))
    keep_in_touch.add_follow_up(db, actor, contact.id, FollowUpCreate(
        kind=FollowUpKind.NEWS, body="Joined the association you recommended; thank you again."),
        sent_at=later, now=later)


def _counselor_comment(db, counselor, student_id, profile, now) -> None:
    text = {
        "thank_overdue": ("Your meeting went well by the look of your notes. "
                          "Send the thank-you today, while it is fresh."),
        "research": "Good research so far. Add a question about how they got into the field.",
        "reflected": "Thoughtful reflection. Who could answer the question you still have?",
    }[profile]
    comments.add_comment(db, counselor, student_id, CommentCreate(subject_type="student", subject_id=student_id,
                                                                  body=text), now=now - timedelta(hours=5))


def print_logins(port: int = 8501) -> None:
    """Print the address and the demo sign-ins."""
    print(f"\n  Portal: http://localhost:{port}\n")
    print(f"  Demo sign-ins (password for all: {DEMO_PASSWORD})")
    print(f"    admin      {ADMIN[0]}")
    for username, first, last in COUNSELORS:
        print(f"    counselor  {username:<18} ({first} {last})")
    print("    students   student01 ... student24  (student07 has an overdue thank-you; student12 is stalled)\n")


@command
def main(argv: list[str] | None = None) -> int:
    """Command line for seeding and printing the demo sign-ins."""
    from core.config import get_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--if-empty", action="store_true", help="seed only when there are no accounts (default)")
    parser.add_argument("--print-logins", action="store_true", help="print the demo sign-ins and exit")
    parser.add_argument("--port", type=int, default=8501)
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.print_logins:
        if settings.demo_mode:
            print_logins(args.port)
        else:
            print(f"\n  Portal: http://localhost:{args.port}  (production mode: no demo accounts)\n")
        return 0
    db = open_database(settings.database_location)
    try:
        if not settings.demo_mode:
            apply_migrations(db)
            load_library(db)
            print("Demo mode is off: no demo data seeded.")
            return 0
        result = seed_demo(db, rounds=settings.bcrypt_rounds)
    finally:
        db.close()
    print("Seeded the demo cohort." if result["students"] else "Database already has accounts; demo not seeded.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
