"""The draft checker on good and bad drafts, including the false positives it deliberately forgives."""

import pytest

from core.admin.library import list_items
from core.campaign.draft_checker import LINKEDIN_MAX_CHARS, check_draft, highlight_segments
from core.campaign.merge_fields import fill
from core.identity.access import SYSTEM

GOOD_EMAIL = """Dear Ana,

Professor Lee suggested I contact you. I am a student exploring public health and would value your advice
on how you got into epidemiology.

I am not looking for a job. Could you spare 20 minutes for a call in the next few weeks?

Best regards,
Sam"""

BAD_EMAIL = """Hello,

I saw that your company is hiring. I would like to meet for an hour to explain why I want a position on your team.
Please send me details of any openings.

Thanks,
Sam"""


def _flagged(text, finding):
    return [text[a:b] for a, b in finding.spans]


def test_a_good_email_meets_every_piece_of_advice():
    report = check_draft(GOOD_EMAIL, channel="email")
    assert [(f.key, f.ok) for f in report.findings] == [
        ("connection", True), ("time", True), ("no_job", True), ("advice", True), ("length", True),
        ("question", True), ("merge_fields", True)]
    assert report.passed and report.spans == ()


def test_a_bad_email_misses_and_names_the_words():
    report = check_draft(BAD_EMAIL, channel="email")
    assert {f.key for f in report.findings if not f.ok} == {"connection", "time", "no_job", "advice", "question"}
    assert _flagged(BAD_EMAIL, report.finding("no_job")) == ["hiring", "position", "openings"]
    assert _flagged(BAD_EMAIL, report.finding("time")) == ["an hour"]


@pytest.mark.parametrize("sentence", [
    "I am not looking for a job.",
    "I'm not asking about a position.",
    "Do you have any job search advice?",
    "How is the job market for new graduates?",
    "How did you get your position at Meridian?",
])
def test_forgiven_job_words(sentence):
    assert check_draft(sentence).finding("no_job").ok


@pytest.mark.parametrize("sentence, word", [
    ("Are you hiring this spring?", "hiring"),
    ("Could I work for you this summer?", "work for you"),
    ("Is there a vacancy in your department?", "vacancy"),
    ("I am looking for employment in the field.", "employment"),
    ("Do you know of a job I could apply for?", "job"),
])
def test_job_requests_are_flagged(sentence, word):
    finding = check_draft(sentence).finding("no_job")
    assert not finding.ok and _flagged(sentence, finding) == [word]


@pytest.mark.parametrize("text, ok", [
    ("Could we talk for 20 minutes?", True),
    ("Could we talk for 20-30 minutes?", True),
    ("Could we talk for half an hour?", True),
    ("Could we talk for twenty minutes?", True),
    ("Could we talk for an hour?", False),
    ("Could we talk for 45 minutes?", False),
    ("Could we talk sometime?", False),
])
def test_time_asked(text, ok):
    assert check_draft(text).finding("time").ok is ok


def test_email_length_limit_highlights_the_words_past_it():
    long = "word " * 120 + "Would you have time?"
    finding = check_draft(long, channel="email").finding("length")
    assert not finding.ok and finding.explanation == "124 words: aim for fewer than 100."
    # Highlighted from the hundredth word to the end.
    assert finding.spans == ((99 * len("word "), len(long) - len("?")),)  # the 100th word to the last
    assert check_draft("word " * 98 + "ok?", channel="email").finding("length").ok


def test_linkedin_note_character_limit():
    note = "Hi Ana, we met at the career fair. " + "x" * 270 + " 20 minutes?"
    finding = check_draft(note, channel="linkedin").finding("length")
    assert not finding.ok and len(note) > LINKEDIN_MAX_CHARS
    assert check_draft(note[:LINKEDIN_MAX_CHARS], channel="linkedin").finding("length").ok


def test_question_must_close_the_message_before_the_sign_off():
    assert check_draft("Would 20 minutes next week work for you?\n\nBest,\nSam").finding("question").ok
    assert not check_draft(
        "Would 20 minutes work? I look forward to hearing from you.\n\nBest,\nSam").finding("question").ok


def test_unfilled_merge_fields_are_named():
    finding = check_draft("Dear {contact_first_name}, {connection} 20 minutes?").finding("merge_fields")
    assert not finding.ok and finding.explanation == "Still in braces: {contact_first_name}, {connection}."
    assert not check_draft("{connection} Could we talk for 20 minutes?").finding("connection").ok


def test_every_request_template_passes_once_filled(db):
    values = {"contact_first_name": "Ana", "contact_last_name": "Lee", "organization": "County Health",
              "title": "Epidemiologist", "field": "public health", "student_name": "Sam Park",
              "connection": "We met at the spring career fair.", "referrer_name": "Dana Ruiz",
              "referrer_first_name": "Dana"}
    for t in list_items(db, SYSTEM, "template"):
        if t["category"] in ("request", "follow_up"):
            report = check_draft(fill(t["body"], values), channel=t["channel"], subject=fill(t["subject"], values))
            # A follow-up points back to the first message, which said how the student is connected.
            assert [f.key for f in report.findings if not f.ok] == [], t["seed_key"]


def test_highlight_segments_cover_the_text_exactly():
    text = "Are you hiring? Any openings?"
    report = check_draft(text)
    segments = highlight_segments(text, report.spans)
    assert "".join(piece for piece, _ in segments) == text
    assert [piece for piece, flagged in segments if flagged] == ["hiring", "openings"]
