"""Meetings: schedule one (date, time, time zone, mode, place or link), download it as an .ics file,
and log it afterwards: answers per planned question, insights, skill words, advice, resources,
resume feedback, and referrals, each of which becomes a new target linked to who referred them."""

from datetime import datetime, time, timedelta
from zoneinfo import available_timezones

import streamlit as st
from pydantic import ValidationError

from core import meetings, research
from core.access import NotFound
from core.clock import utcnow
from core.config import get_settings
from core.db import WriteConflict
from core.ics import meeting_calendar
from core.meetings import MeetingError, to_local
from core.models import MeetingCreate, MeetingLog, MeetingMode, MeetingNote, ReferralCreate, Role, field_errors
from ui.campaign import FieldErrors, link, picked_contact_or_stop
from ui.comments import comment_thread
from ui.guard import require
from ui.widgets import local, md_escape

db, actor = require(Role.STUDENT)
MODE_WORDS = {MeetingMode.IN_PERSON: "In person", MeetingMode.PHONE: "Phone", MeetingMode.VIDEO: "Video call",
              MeetingMode.EMAIL: "By email"}
REFERRAL_SLOTS = 3
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/")))

st.title("Meetings")
contact = picked_contact_or_stop(db, actor, key="student_meetings_contact")
cid = contact["id"]
planned = research.list_planned_questions(db, actor, cid)


def log_form(m: dict) -> None:
    """The meeting log: answers per question, what was learned, and up to three referrals."""
    with st.form(f"student_meetings_log_{m['id']}"):
        errors = FieldErrors()
        answers = []
        if planned:
            st.markdown("**Answers to your questions**")
        for q in planned:
            answers.append((q, st.text_area(md_escape(q["text"]), key=f"student_meetings_answer_{m['id']}_{q['id']}", height=68)))
        insights = st.text_area("Insights", key=f"student_meetings_insights_{m['id']}", height=80)
        skill_words = st.text_input("Skill words heard (for your resume)", key=f"student_meetings_skills_{m['id']}")
        advice = st.text_area("Advice", key=f"student_meetings_advice_{m['id']}", height=68)
        resources = st.text_input("Resources (publications, associations)", key=f"student_meetings_resources_{m['id']}")
        resume = st.text_area("Resume feedback", key=f"student_meetings_resume_{m['id']}", height=68)
        st.markdown("**Referrals**: people they suggested you talk to next")
        referrals = []
        for n in range(1, REFERRAL_SLOTS + 1):
            a, b, c, d = st.columns([2, 2, 2, 1.4], vertical_alignment="bottom")
            first = a.text_input(f"Referral {n}: first name", key=f"student_meetings_ref_first_{m['id']}_{n}")
            last = b.text_input(f"Referral {n}: last name", key=f"student_meetings_ref_last_{m['id']}_{n}")
            org = c.text_input(f"Referral {n}: organization", key=f"student_meetings_ref_org_{m['id']}_{n}")
            may_use = d.checkbox(f"May use {md_escape(contact['first_name'])}'s name", key=f"student_meetings_ref_name_{m['id']}_{n}",
                                 help="Did they say you may mention them when you get in touch?")
            errors.slot(f"referral_{n}")
            referrals.append((n, first, last, org, may_use))
        held_default = min(m["starts_at"], utcnow())
        held_local = to_local(held_default, m["timezone"])
        h1, h2 = st.columns(2)
        held_day = h1.date_input(f"Held on ({m['timezone']})", value=held_local.date(),
                                 key=f"student_meetings_held_day_{m['id']}")
        held_time = h2.time_input("At", value=held_local.time().replace(second=0, microsecond=0),
                                  key=f"student_meetings_held_time_{m['id']}")
        errors.slot("held_at")
        if st.form_submit_button("Save the log", type="primary"):
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
                log = MeetingLog(insights=insights, skill_words=skill_words, advice=advice, resources=resources,
                                 resume_feedback=resume)
                notes = [MeetingNote(question=q["text"], answer=answer, planned_question_id=q["id"])
                         for q, answer in answers]
            except ValidationError as exc:
                problems.update(field_errors(exc))
            if problems:
                errors.show(problems)
                return
            held_at = meetings.to_utc(datetime.combine(held_day, held_time), m["timezone"])
            try:
                created = meetings.log_meeting(db, actor, m["id"], log, notes=notes, referrals=refs, held_at=held_at)
            except MeetingError as exc:
                errors.show({"held_at": str(exc)})
            except (NotFound, WriteConflict) as exc:
                st.error(str(exc))
            else:
                st.session_state["student_meetings_flash"] = (
                    "Meeting logged" + (f"; {len(created)} referral(s) added to your targets." if created else "."))
                st.rerun()


def show_log(m: dict) -> None:
    """A held meeting's log, as plain text."""
    notes = meetings.meeting_notes(db, actor, m["id"])
    for n in notes:
        st.markdown(f"**{md_escape(n['question'])}**")
        st.text(n["answer"] or "—")
    for label, name in (("Insights", "insights"), ("Skill words", "skill_words"), ("Advice", "advice"),
                        ("Resources", "resources"), ("Resume feedback", "resume_feedback")):
        if m[name]:
            st.markdown(f"**{label}**")
            st.text(m[name])


if flash := st.session_state.pop("student_meetings_flash", None):
    st.success(flash, icon=":material/check:")

held_or_planned = meetings.list_meetings(db, actor, cid)
if not held_or_planned:
    st.caption("No meetings with this person yet. Once they say yes, schedule it below.")
for m in held_or_planned:
    start = to_local(m["starts_at"], m["timezone"])
    title = f"{MODE_WORDS[MeetingMode(m['mode'])]} · {start:%a %d %b %Y, %H:%M} {m['timezone']} · {m['status']}"
    with st.expander(title, expanded=m["status"] == "scheduled"):
        if m["location"]:
            st.text(f"Where: {m['location']}")
        if m["status"] != "cancelled":
            st.download_button("Add to calendar (.ics)", meeting_calendar(db, actor, m["id"]),
                               file_name=f"meeting-{m['id']}.ics", mime="text/calendar",
                               key=f"student_meetings_ics_{m['id']}", icon=":material/calendar_add_on:")
        if m["status"] == "scheduled":
            if m["starts_at"] > utcnow():
                st.caption("Log the meeting here once it has been held.")
            if st.button("Cancel this meeting", key=f"student_meetings_cancel_{m['id']}"):
                meetings.cancel_meeting(db, actor, m["id"])
                st.rerun()
            log_form(m)
        elif m["status"] == "held":
            show_log(m)
            a, b = st.columns(2)
            with a:
                link("pages/student_thank_you.py", "Next: send the thank-you", contact_id=cid, icon=":material/favorite:")
            with b:
                link("pages/student_reflection.py", "Reflect on it", contact_id=cid, icon=":material/psychology:")
        comment_thread(db, actor, actor.user_id, "meeting", m["id"], key=f"student_meetings_meeting_{m['id']}")

st.subheader("Schedule a meeting")
with st.form(f"student_meetings_schedule_{cid}"):
    errors = FieldErrors()
    settings_zone = get_settings().timezone
    tomorrow = local(utcnow()).date() + timedelta(days=1)
    a, b, c = st.columns(3)
    day = a.date_input("Date", value=tomorrow, key="student_meetings_day")
    at = b.time_input("Time", value=time(10, 0), step=timedelta(minutes=15), key="student_meetings_time")
    zone = c.selectbox("Time zone", ZONES, index=ZONES.index(settings_zone) if settings_zone in ZONES else 0,
                       key="student_meetings_zone")
    errors.slot("starts_at_local")
    errors.slot("timezone")
    d, e = st.columns(2)
    mode = d.selectbox("Mode", list(MeetingMode), key="student_meetings_mode", format_func=lambda x: MODE_WORDS[x])
    duration = e.number_input("Minutes", min_value=5, max_value=240, value=30, step=5, key="student_meetings_duration")
    errors.slot("duration_minutes")
    location = st.text_input("Place or link", key="student_meetings_location", max_chars=200,
                             placeholder="Coffee shop address, video link, or phone number")
    errors.slot("location")
    if st.form_submit_button("Schedule", type="primary"):
        try:
            data = MeetingCreate(starts_at_local=datetime.combine(day, at), timezone=zone, duration_minutes=duration,
                                 mode=mode, location=location)
            meetings.schedule_meeting(db, actor, cid, data)
        except ValidationError as exc:
            errors.show(field_errors(exc))
        except WriteConflict as exc:
            st.error(str(exc))
        else:
            st.session_state["student_meetings_flash"] = "Meeting scheduled. Download the .ics file for your calendar."
            st.rerun()
