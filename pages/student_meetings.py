"""Meetings: every meeting in one list (those to come first) and a private calendar address for calendar
apps; then, with one person: schedule a meeting (date, time, time zone, mode, place or link), move it,
download it as an .ics file, and log it once it has begun: answers per planned question, insights, skill
words, advice, resources, resume feedback, and referrals, each of which becomes a new target linked to
who referred them. A held meeting whose thank-you is not sent puts that next step at the top.

Every save is made once per form render and checked against the version its form was opened with;
a held or scheduled time that looks like a slip asks first; cancelling asks first and can be undone."""

from datetime import datetime, time, timedelta
from zoneinfo import available_timezones

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from core.campaign import calendar_feed, meetings, research, thanks
from core.campaign.ics import meeting_calendar
from core.campaign.meetings import to_local
from core.clock import utcnow
from core.config import get_settings
from core.errors import NeedsConfirmation
from core.models import MeetingCreate, MeetingLog, MeetingMode, MeetingNote, ReferralCreate, Role, field_errors
from ui import forms
from ui.calendar_route import feed_url
from ui.campaign import FieldErrors, link, picked_contact_or_stop
from ui.comments import comment_thread
from ui.guard import require
from ui.widgets import local, md_escape, when

db, actor = require(Role.STUDENT)
MODE_WORDS = {MeetingMode.IN_PERSON: "In person", MeetingMode.PHONE: "Phone", MeetingMode.VIDEO: "Video call",
              MeetingMode.EMAIL: "By email"}
REFERRAL_SLOTS = 3
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/")))
LOG_LABELS = {"insights": "Insights", "skill_words": "Skill words heard (for your resume)", "advice": "Advice",
              "resources": "Resources (publications, associations)", "resume_feedback": "Resume feedback",
              "held_at": "Held at"}
CONFIRM_CANCEL = "student_meetings_confirm_cancel"
CANCELLED = "student_meetings_cancelled"

FEED_TOKEN = "student_meetings_feed_token"
FEED_SAID = "student_meetings_feed_said"


def meeting_list() -> None:
    """Every meeting of the student in one list: those to come first, soonest first, then the rest."""
    found = meetings.upcoming_then_past(db, actor)
    if not found:
        return
    zone = get_settings().timezone
    status = {True: "Coming up", False: "Begun, not logged yet"}
    st.subheader("All your meetings", anchor=False)
    st.table(pd.DataFrame([{
        "Person": m["contact_name"].strip(), "Organization": m["organization"] or "",
        f"When ({zone})": f"{local(m['shown_at']):%a %d %b %Y, %H:%M}",
        "Mode and place": MODE_WORDS[MeetingMode(m["mode"])] + (f" · {m['location']}" if m["location"] else ""),
        "Status": "Held" if m["status"] == "held" else status[m["upcoming"]],
    } for m in found]), hide_index=True)


def calendar_feed_section() -> None:
    """The student's private calendar address: make it, see it once, replace it or turn it off."""
    current = calendar_feed.current_feed(db, actor)
    made_here = st.session_state.get(FEED_TOKEN)  # (feed id, token) of the address this session made
    # Shown only while it is the address in use (not replaced or turned off since, in another tab).
    token = made_here[1] if current is not None and made_here and made_here[0] == current["id"] else None
    said = st.session_state.pop(FEED_SAID, None)
    with st.expander("Your meetings in your calendar app", icon=":material/calendar_month:",
                     expanded=token is not None or said is not None):
        if said:
            st.success(said, icon=":material/check:")
        st.markdown("A private address for Google, Outlook or Apple calendars: they show your scheduled and "
                    "held meetings and keep them up to date, without signing in to the portal. Anyone who has "
                    "the address can read your meetings (names, times, places and your questions), so keep it "
                    "to yourself.")
        if token is not None:
            st.markdown("**Your calendar address.** Copy it now: the portal keeps no readable copy of it.")
            st.code(feed_url(token), language=None, wrap_lines=True)
            st.markdown("Google Calendar: *Other calendars*, then *+*, then *From URL*. Outlook: *Add calendar*, "
                        "then *Subscribe from web*. Apple Calendar: *File*, then *New Calendar Subscription*. "
                        "Paste the address there; your calendar app reads it again every few hours.")
        elif current is not None:
            st.markdown(f"Your calendar address has been in use since {when(current['created_at'])}. To add it "
                        "to another calendar app, make a new one: the old address then stops working.")
        a, b = st.columns(2)
        if a.button("Make a new calendar address" if current else "Make my calendar address",
                    key="student_meetings_feed_new", icon=":material/link:"):
            made = forms.submit(lambda: calendar_feed.new_feed(db, actor))
            if made.ok:
                st.session_state[FEED_TOKEN] = (calendar_feed.current_feed(db, actor)["id"], made.value)
                st.rerun()
        if current is not None and b.button("Turn off my calendar address", key="student_meetings_feed_off",
                                            icon=":material/link_off:"):
            if forms.submit(lambda: calendar_feed.revoke_feed(db, actor)).ok:
                st.session_state.pop(FEED_TOKEN, None)
                st.session_state[FEED_SAID] = ("Calendar address turned off: calendar apps subscribed to it "
                                               "get nothing more from the portal.")
                st.rerun()


st.title("Meetings", anchor=False)
meeting_list()
calendar_feed_section()
st.subheader("With one person", anchor=False)
contact = picked_contact_or_stop(db, actor, key="student_meetings_contact")
cid = contact["id"]
planned = research.list_planned_questions(db, actor, cid)


def referral_fields(prefix: str, n: int, errors: FieldErrors, existing: dict | None = None) -> tuple:
    """One referral's fields in a row: first name, last name, organization, may use the name."""
    e = existing or {}
    a, b, c, d = st.columns([2, 2, 2, 1.4], vertical_alignment="bottom")
    first = a.text_input(f"Referral {n}: first name", value=e.get("first_name", ""), key=f"{prefix}_first")
    last = b.text_input(f"Referral {n}: last name", value=e.get("last_name", ""), key=f"{prefix}_last")
    org = c.text_input(f"Referral {n}: organization", value=e.get("organization", ""), key=f"{prefix}_org")
    may_use = d.checkbox(f"May use {md_escape(contact['first_name'])}'s name", key=f"{prefix}_name",
                         value=bool(e.get("may_use_referrer_name")),
                         help="Did they say you may mention them when you get in touch?")
    errors.slot(f"referral_{n}")
    return n, first, last, org, may_use


def log_form(m: dict) -> None:
    """The meeting log (first time or an edit): answers per question, what was learned, when it was held,
    and, the first time, up to three referrals."""
    name = f"student_meetings_log_{m['id']}"
    first_time = m["status"] == "scheduled"
    opened = forms.opened_version(name, m["version"])
    rnd = forms.round_of(name)
    k = f"{name}_{rnd}"
    saved_notes = {n["planned_question_id"]: n["answer"] for n in meetings.meeting_notes(db, actor, m["id"])}
    with st.form(f"{k}_form"):
        errors = FieldErrors()
        answers = []
        if planned:
            st.markdown("**Answers to your questions**")
        for q in planned:
            answers.append((q, st.text_area(md_escape(q["text"]), value=saved_notes.get(q["id"], ""),
                                            key=f"{k}_answer_{q['id']}", height=68)))
        values = {}
        for field in ("insights", "skill_words", "advice", "resources", "resume_feedback"):
            widget = st.text_input if field in ("skill_words", "resources") else st.text_area
            values[field] = widget(LOG_LABELS[field], value=m[field], key=f"{k}_{field}")
            errors.slot(field, LOG_LABELS[field])
        referrals = []
        if first_time:
            st.markdown("**Referrals**: people they suggested you talk to next")
            referrals = [referral_fields(f"{k}_ref_{n}", n, errors) for n in range(1, REFERRAL_SLOTS + 1)]
        # The held time starts at the scheduled time (or the time already logged): one meeting, one date.
        held_local = to_local(m["held_at"] or m["starts_at"], m["timezone"])
        h1, h2 = st.columns(2)
        held_day = h1.date_input(f"Held on ({m['timezone']})", value=held_local.date(), key=f"{k}_held_day")
        held_time = h2.time_input("At", value=held_local.time().replace(second=0, microsecond=0),
                                  key=f"{k}_held_time")
        errors.slot("held_at")
        question = forms.confirming(name)
        confirmed = False
        if question:
            st.warning(question, icon=":material/help:")
            confirmed = st.checkbox("Yes, that time is right: save it", key=f"{k}_confirm")
        clicked = st.form_submit_button("Save the log" if first_time else "Save changes to the log", type="primary")
    message = st.empty()
    if not clicked:
        return
    problems: dict[str, str] = {}
    refs = []
    for n, first, last, org, may_use in referrals:
        if not (first.strip() or last.strip() or org.strip()):
            continue
        try:
            refs.append(ReferralCreate(first_name=first, last_name=last, organization=org, may_use_name=may_use,
                                       note=f"Referred by {contact['first_name']} {contact['last_name']}".strip()))
        except ValidationError as exc:
            problems[f"referral_{n}"] = f"Referral {n}: " + "; ".join(field_errors(exc).values())
    try:
        log = MeetingLog(**values)
        notes = [MeetingNote(question=q["text"], answer=answer, planned_question_id=q["id"]) for q, answer in answers]
    except ValidationError as exc:
        problems.update(field_errors(exc))
    if problems:
        errors.show(problems)
        return
    held_at = meetings.to_utc(datetime.combine(held_day, held_time), m["timezone"])
    if m["held_at"] is not None and held_at == m["held_at"].replace(second=0, microsecond=0):
        held_at = m["held_at"]  # unchanged in the form (which shows minutes only)
    key = forms.form_key(name)
    result = forms.submit(lambda: meetings.log_meeting(
        db, actor, m["id"], log, notes=notes, referrals=refs, held_at=held_at, expected_version=opened,
        confirm_time=bool(question and confirmed), idempotency_key=key),
        name=name, errors=errors, where=message, labels=LOG_LABELS)
    if result.ok:
        forms.next_round(name)
        created = result.value or []
        st.session_state["student_meetings_flash"] = (
            ("Meeting logged" if first_time else "Log saved")
            + (f"; {len(created)} referral(s) added to your targets." if created else "."))
        st.rerun()
    if isinstance(result.error, NeedsConfirmation):
        st.rerun()  # draw the question and its "yes" box in the form, the typing kept


def show_log(m: dict) -> None:
    """A held meeting's log, as plain text."""
    notes = meetings.meeting_notes(db, actor, m["id"])
    for n in notes:
        st.markdown(f"**{md_escape(n['question'])}**")
        st.text(n["answer"] or "—")
    for name in ("insights", "skill_words", "advice", "resources", "resume_feedback"):
        if m[name]:
            st.markdown(f"**{LOG_LABELS[name]}**")
            st.text(m[name])


def referrals_of(m: dict) -> None:
    """The referrals named in a held meeting, each editable, and a form to add one more."""
    found = meetings.list_referrals(db, actor, m["id"])
    if found:
        st.markdown("**Referrals**")
    for n, r in enumerate(found, start=1):
        name = f"student_meetings_referral_{r['id']}"
        opened = forms.opened_version(name, r["version"])
        with st.expander(md_escape(f"{r['first_name']} {r['last_name']}".strip())
                         + (f" · {md_escape(r['organization'])}" if r["organization"] else "")):
            with st.form(f"{name}_form", border=False):
                errors = FieldErrors()
                row = referral_fields(f"{name}_{forms.round_of(name)}", n, errors, r)
                clicked = st.form_submit_button("Save referral")
            message = st.empty()
            if clicked:
                _, first, last, org, may_use = row
                result = forms.submit(lambda: meetings.update_referral(
                    db, actor, r["id"], ReferralCreate(first_name=first, last_name=last, organization=org,
                                                       may_use_name=may_use), expected_version=opened),
                    name=name, where=message)
                if result.ok:
                    forms.next_round(name)
                    st.rerun()
    name = f"student_meetings_add_referral_{m['id']}"
    k = f"{name}_{forms.round_of(name)}"
    with st.form(f"{k}_form"):
        st.markdown("**Add a referral**")
        errors = FieldErrors()
        _, first, last, org, may_use = referral_fields(k, len(found) + 1, errors)
        clicked = st.form_submit_button("Add referral")
    message = st.empty()
    if clicked:
        key = forms.form_key(name)
        result = forms.submit(lambda: meetings.add_referral(db, actor, m["id"], ReferralCreate(
            first_name=first, last_name=last, organization=org, may_use_name=may_use,
            note=f"Referred by {contact['first_name']} {contact['last_name']}".strip()), idempotency_key=key),
            name=name, where=message)
        if result.ok:
            forms.next_round(name)
            st.session_state["student_meetings_flash"] = "Referral added to your targets."
            st.rerun()


def time_and_place_fields(k: str, errors: FieldErrors, *, day, at, zone: str, mode: MeetingMode, duration: int,
                          location: str, day_label: str, time_label: str, placeholder: str | None = None) -> tuple:
    """A meeting's date, time, time zone, mode, length and place, as the schedule and move forms draw them."""
    a, b, c = st.columns(3)
    day = a.date_input(day_label, value=day, key=f"{k}_day")
    at = b.time_input(time_label, value=at, step=timedelta(minutes=15), key=f"{k}_time")
    zone = c.selectbox("Time zone", ZONES, index=ZONES.index(zone) if zone in ZONES else 0, key=f"{k}_zone")
    errors.slot("starts_at_local")
    errors.slot("timezone")
    d, e = st.columns(2)
    modes = list(MeetingMode)
    mode = d.selectbox("Mode", modes, index=modes.index(mode), key=f"{k}_mode", format_func=lambda x: MODE_WORDS[x])
    duration = e.number_input("Minutes", min_value=5, max_value=240, value=duration, step=5, key=f"{k}_duration")
    errors.slot("duration_minutes", "Minutes")
    location = st.text_input("Place or link", value=location, key=f"{k}_location", max_chars=200,
                             placeholder=placeholder)
    errors.slot("location", "Place or link")
    return day, at, zone, mode, duration, location


def reschedule_form(m: dict) -> None:
    """Move a scheduled meeting: a new time, time zone, mode, length or place; the calendar file then
    updates the same event."""
    name = f"student_meetings_move_{m['id']}"
    opened = forms.opened_version(name, m["version"])
    k = f"{name}_{forms.round_of(name)}"
    starts = to_local(m["starts_at"], m["timezone"])
    with st.form(f"{k}_form"):
        errors = FieldErrors()
        day, at, zone, mode, duration, location = time_and_place_fields(
            k, errors, day=starts.date(), at=starts.time().replace(second=0, microsecond=0), zone=m["timezone"],
            mode=MeetingMode(m["mode"]), duration=int(m["duration_minutes"]), location=m["location"] or "",
            day_label="New date", time_label="New time")
        question = forms.confirming(name)
        confirmed = False
        if question:
            st.warning(question, icon=":material/help:")
            confirmed = st.checkbox("Yes, move it to that time", key=f"{k}_confirm")
        clicked = st.form_submit_button("Move the meeting", type="primary")
    message = st.empty()
    if not clicked:
        return

    def move() -> None:
        data = MeetingCreate(starts_at_local=datetime.combine(day, at), timezone=zone, duration_minutes=duration,
                             mode=mode, location=location)
        meetings.reschedule_meeting(db, actor, m["id"], data, expected_version=opened,
                                    confirm_past=bool(question and confirmed))

    moved = forms.submit(move, name=name, errors=errors, where=message)
    if moved.ok:
        forms.next_round(name)
        forms.done(f"student_meetings_log_{m['id']}")  # the log form re-reads the moved meeting's version
        st.session_state["student_meetings_flash"] = (
            "Meeting moved. Download the .ics file again: your calendar app updates the same event.")
        st.rerun()
    if isinstance(moved.error, NeedsConfirmation):
        st.rerun()


if flash := st.session_state.pop("student_meetings_flash", None):
    st.success(flash, icon=":material/check:")

# The next step in sight, as Outreach shows "They said yes": a held meeting whose thank-you is not sent yet.
unthanked = [s for s in thanks.thank_you_status(db, actor, cid) if s["sent_at"] is None]
if unthanked:
    due = unthanked[-1]
    if due["overdue"]:
        st.warning(f"Next: send the thank-you. It was due {when(due['due_at'])}: send it today.",
                   icon=":material/favorite:")
    else:
        st.success(f"You met them. Next: send the thank-you, due by {when(due['due_at'])}.",
                   icon=":material/favorite:")
    link("pages/student_thank_you.py", "Next: send the thank-you", contact_id=cid, icon=":material/favorite:")

if (undo := st.session_state.get(CANCELLED)) is not None:
    u1, u2 = st.columns([4, 1], vertical_alignment="center")
    u1.info("Meeting cancelled.", icon=":material/event_busy:")
    if u2.button("Undo", key="student_meetings_undo_cancel", icon=":material/undo:"):
        st.session_state.pop(CANCELLED, None)
        if forms.submit(lambda: meetings.reinstate_meeting(db, actor, undo)).ok:
            st.rerun()

held_or_planned = meetings.list_meetings(db, actor, cid)
if not held_or_planned:
    st.caption("No meetings with this person yet. Once they say yes, schedule it below.")
for m in held_or_planned:
    shown = to_local(m["shown_at"], m["timezone"])
    title = f"{MODE_WORDS[MeetingMode(m['mode'])]} · {shown:%a %d %b %Y, %H:%M} {m['timezone']} · {m['status']}"
    with st.expander(title, expanded=m["status"] == "scheduled"):
        if m["location"]:
            st.text(f"Where: {m['location']}")
        if m["status"] != "cancelled":
            st.download_button("Add to calendar (.ics)", meeting_calendar(db, actor, m["id"]),
                               file_name=f"meeting-{m['id']}.ics", mime="text/calendar",
                               key=f"student_meetings_ics_{m['id']}", icon=":material/calendar_add_on:")
        if m["status"] == "scheduled":
            upcoming = m["starts_at"] > utcnow()
            if upcoming:
                st.markdown("Its log opens here once the meeting has begun.")
            if st.session_state.get(CONFIRM_CANCEL) == m["id"]:
                st.warning("Cancel this meeting? It stays on your record as cancelled.", icon=":material/help:")
                yes, no = st.columns(2)
                if yes.button("Cancel the meeting", key=f"student_meetings_cancel_yes_{m['id']}", type="primary"):
                    st.session_state.pop(CONFIRM_CANCEL, None)
                    if forms.submit(lambda: meetings.cancel_meeting(db, actor, m["id"])).ok:
                        st.session_state[CANCELLED] = m["id"]
                        st.rerun()
                if no.button("Keep it", key=f"student_meetings_cancel_no_{m['id']}"):
                    st.session_state.pop(CONFIRM_CANCEL, None)
                    st.rerun()
            elif st.button("Cancel this meeting", key=f"student_meetings_cancel_{m['id']}"):
                st.session_state[CONFIRM_CANCEL] = m["id"]
                st.rerun()
            with st.expander("Change the time or place", icon=":material/edit_calendar:"):
                reschedule_form(m)
            if not upcoming:
                log_form(m)
        elif m["status"] == "held":
            show_log(m)
            with st.expander("Edit the log", icon=":material/edit:"):
                log_form(m)
            referrals_of(m)
            link("pages/student_reflection.py", "Reflect on it", contact_id=cid, icon=":material/psychology:")
        comment_thread(db, actor, actor.user_id, "meeting", m["id"], key=f"student_meetings_meeting_{m['id']}")

schedule_name = f"student_meetings_schedule_{cid}"
sk = f"{schedule_name}_{forms.round_of(schedule_name)}"
# Once a meeting is on the record the form waits behind its heading: the page shows that meeting first.
if any(m["status"] != "cancelled" for m in held_or_planned):
    schedule_box = st.expander("Schedule another meeting", icon=":material/event:")
else:
    st.subheader("Schedule a meeting", anchor=False)
    schedule_box = st.container()
with schedule_box, st.form(f"{sk}_form"):
    errors = FieldErrors()
    day, at, zone, mode, duration, location = time_and_place_fields(
        sk, errors, day=local(utcnow()).date() + timedelta(days=1), at=time(10, 0), zone=get_settings().timezone,
        mode=MeetingMode.IN_PERSON, duration=30, location="", day_label="Date", time_label="Time",
        placeholder="Coffee shop address, video link, or phone number")
    past_question = forms.confirming(schedule_name)
    past_ok = False
    if past_question:
        st.warning(past_question, icon=":material/help:")
        past_ok = st.checkbox("Yes, schedule it at that time", key=f"{sk}_confirm")
    schedule_clicked = st.form_submit_button("Schedule", type="primary")
schedule_message = st.empty()
if schedule_clicked:
    key = forms.form_key(schedule_name)

    def schedule() -> int:
        data = MeetingCreate(starts_at_local=datetime.combine(day, at), timezone=zone, duration_minutes=duration,
                             mode=mode, location=location)
        return meetings.schedule_meeting(db, actor, cid, data, idempotency_key=key,
                                         confirm_past=bool(past_question and past_ok))

    scheduled = forms.submit(schedule, name=schedule_name, errors=errors, where=schedule_message)
    if scheduled.ok:
        forms.next_round(schedule_name)
        st.session_state["student_meetings_flash"] = "Meeting scheduled. Download the .ics file for your calendar."
        st.rerun()
    if isinstance(scheduled.error, NeedsConfirmation):
        st.rerun()
