"""Student detail for counselors: the campaign read-only, its timeline, goals, and comment threads on any item."""

from datetime import datetime

import pandas as pd
import streamlit as st

from core.errors import NotFound
from core.models import SOURCE_LABELS, Role, Stage, stage_label
from core.network.narrowing import occupation_summaries
from core.oversight.cockpit import last_read, mark_read
from core.oversight.dashboard import FLAGS, cohort_dashboard
from core.oversight.progress import goal_progress
from core.oversight.timeline import readable_students, student_campaign, student_timeline
from ui.comments import comment_thread
from ui.counselor import STUDENT_PARAM, back_to_dashboard, requested_student
from ui.guard import require
from ui.widgets import md_escape, stage_badge, when

db, actor = require(Role.COUNSELOR, Role.ADMIN)
P = "counselor_student"

students = readable_students(db, actor)
if not students:
    st.title("Student detail", anchor=False)
    st.info("No students in your cohorts yet.")
    st.stop()

names = {s["id"]: f"{s['name']} ({s['username']}) · {s['cohort_name']}" for s in students}
try:
    wanted = requested_student()
except NotFound:
    wanted = -1  # not an id at all: refused below like any id the actor may not read
if wanted is not None and wanted not in names:
    # Never trust the id in the address: core decides, and an unknown or foreign id reveals nothing.
    st.title("Student detail", anchor=False)
    st.error("No such student, or not in a cohort you oversee.")
    back_to_dashboard()
    st.stop()
if wanted is not None:
    # The address names the student (a link from the dashboard); the picker follows it. A choice in the
    # picker moves the address first (in its callback), so the two never disagree and the choice wins.
    st.session_state[f"{P}_pick"] = wanted


def _follow_picker() -> None:
    st.query_params[STUDENT_PARAM] = str(st.session_state[f"{P}_pick"])


back_to_dashboard()
student_id = st.selectbox("Student", list(names), key=f"{P}_pick", format_func=lambda i: names[i],
                          on_change=_follow_picker)
if st.query_params.get(STUDENT_PARAM) != str(student_id):
    st.query_params[STUDENT_PARAM] = str(student_id)

try:
    campaign = student_campaign(db, actor, student_id)
    timeline = student_timeline(db, actor, student_id, newest_first=True)
    goals = goal_progress(db, actor, student_id)
except NotFound:
    st.error("No such student, or not in a cohort you oversee.")
    st.stop()
student = campaign["student"]
row = next(iter(cohort_dashboard(db, actor, cohort_id=student["cohort_id"], student_id=student_id)), None)

st.title(md_escape(f"{student['first_name']} {student['last_name']}"), anchor=False)
st.caption(" · ".join(md_escape(x) for x in (student["cohort_name"], student["username"], student["email"],
                                               student["student_number"]) if x))
if row is not None:
    raised = [FLAGS[k] for k in row["flags"]]
    if raised:
        st.warning("Flags: " + ", ".join(raised), icon=":material/flag:")
    figures = [("Targets", "targets"), ("Researched", "researched"), ("Outreach sent", "outreach_sent"),
               ("Interviews", "interviews"), ("Thanked", "thanked"), ("Reflected", "reflections"),
               ("Referrals", "referrals")]
    for col, (label, key) in zip(st.columns(len(figures) + 1), figures, strict=False):
        col.metric(label, row[key])
    st.caption(f"Last activity: {when(row['last_activity_at'])} ({row['days_inactive']} days ago)"
               if row["last_activity_at"] else "No activity yet.")

if goals:
    st.subheader("Cohort goals", anchor=False)
    status_words = {"met": "✅ met", "on_track": "on track", "behind": "⚠️ behind", "missed": "❌ missed"}
    st.dataframe(pd.DataFrame([{
        "Goal": f"{g['target']} {g['label']}", "Due": g["due_on"], "Now": g["current"],
        "Expected by now": g["expected_now"],
        "Status": status_words[g["status"]]} for g in goals]), hide_index=True, width="stretch")

# What the conversations say per focus occupation, from the reflections the student did not keep private.
summaries = [s for s in occupation_summaries(db, actor, student_id) if s.held]
if summaries:
    st.subheader("What the conversations say", anchor=False)
    st.caption("Per focus occupation: conversations held, the fit the student gave in reflections they did not keep "
               "private, and the suggestion the student sees (they decide).")
    st.dataframe(pd.DataFrame([{
        "Occupation": s.name, "Held": s.held, "Rated": len(s.ratings),
        "Average fit": "" if s.average_fit is None else f"{s.average_fit} of 5",
        "Suggestion": {"deeper": "go deeper", "keep": "keep exploring", "replace": "think about replacing",
                       "start": "no conversation yet"}[s.suggestion],
        "Recurring skills": ", ".join(w for w, _ in s.skills), "Values named": ", ".join(w for w, _ in s.values),
    } for s in summaries]), hide_index=True, width="stretch")

# Replies written since the counselor last opened this student stay marked New for this visit.
visit = st.session_state.get(f"{P}_visit")
if visit is None or visit[0] != student_id:
    visit = (student_id, last_read(db, actor, student_id))
    st.session_state[f"{P}_visit"] = visit
    mark_read(db, actor, student_id)
new_after = visit[1] or datetime(1900, 1, 1)  # never opened: every reply is new

st.subheader("Comments on the campaign", anchor=False)
comment_thread(db, actor, student_id, "student", student_id, key=f"{P}_campaign", title="Campaign comments",
               new_after=new_after)

tab_contacts, tab_timeline = st.tabs(["Contacts and work", "Timeline"])

with tab_contacts:
    contacts = campaign["contacts"]
    if not contacts:
        st.info("No contacts yet.")
    else:
        overview = pd.DataFrame([{
            "Contact": f"{c['first_name']} {c['last_name']}".strip(), "Organization": c["organization"],
            "Title": c["title"], "Stage": stage_label(c["stage"], c.get("outreach_reply")),
            "Since": when(c["stage_at"]),
            "Archived": c["archived_at"] is not None} for c in contacts])
        st.dataframe(overview, hide_index=True, width="stretch")
        labels = {c["id"]: f"{c['first_name']} {c['last_name']}".strip()
                  + (f" · {c['organization']}" if c["organization"] else "")
                  + (" (archived)" if c["archived_at"] is not None else "") for c in contacts}
        # Open on the contact furthest along: it has the most for a counselor to read.
        furthest = max(range(len(contacts)), key=lambda i: (Stage(contacts[i]["stage"]).order, -i))
        contact_id = st.selectbox("Look at a contact's work", list(labels), key=f"{P}_contact", index=furthest,
                                  format_func=lambda i: labels[i])
        c = next(x for x in contacts if x["id"] == contact_id)
        with st.container(border=True):
            head, badge = st.columns([4, 1])
            head.markdown(f"**{md_escape(labels[contact_id])}**")
            head.caption(" · ".join(md_escape(x) for x in (
                c["title"], c["field"], c["focus_occupation"],
                SOURCE_LABELS.get(c["source"], c["source"]),
                f"priority {c['priority']}") if x))
            with badge:
                stage_badge(c["stage"], c.get("outreach_reply"))
            comment_thread(db, actor, student_id, "contact", contact_id, key=f"{P}_c{contact_id}",
                           title="Comments on this contact", new_after=new_after)
        if c["research"] or c["questions"]:
            with st.container(border=True):
                st.markdown("**Research**")
                for label, field in (("The person", "about_person"), ("The organization", "about_organization"),
                                     ("The field", "about_field"), ("Links", "links")):
                    if c["research"] and c["research"][field]:
                        st.caption(label)
                        st.text(c["research"][field])
                if c["questions"]:
                    st.caption("Questions planned")
                    st.text("\n".join(f"{i}. {q['text']}" for i, q in enumerate(c["questions"], 1)))
        for m in c["messages"]:
            with st.container(border=True):
                state = f"sent {when(m['sent_at'])} by {m['channel']}" if m["sent_at"] else "draft, not sent"
                reply = f", reply: {m['reply'].replace('_', ' ')}" if m["reply"] else ""
                st.markdown(f"**{'Follow-up' if m['purpose'] == 'follow_up' else 'Request'}** ({state}{reply})")
                if m["subject"]:
                    st.text(f"Subject: {m['subject']}")
                st.text(m["body"])
                comment_thread(db, actor, student_id, "outreach", m["id"], key=f"{P}_o{m['id']}", new_after=new_after)
        for m in c["meetings"]:
            with st.container(border=True):
                st.markdown(f"**Meeting** ({m['status']}, {when(m['held_at'] or m['starts_at'])}, "
                            f"{m['mode'].replace('_', ' ')})")
                for label, field in (("Insights", "insights"), ("Skill words heard", "skill_words"),
                                     ("Advice", "advice"), ("Resources", "resources"),
                                     ("Resume feedback", "resume_feedback")):
                    if m[field]:
                        st.caption(label)
                        st.text(m[field])
                if m["notes"]:
                    st.caption("Questions and answers")
                    st.dataframe(pd.DataFrame([{"Question": n["question"], "Answer": n["answer"]} for n in m["notes"]]),
                                 hide_index=True, width="stretch")
                comment_thread(db, actor, student_id, "meeting", m["id"], key=f"{P}_m{m['id']}", new_after=new_after)
                r = m["reflection"]
                if r is not None:
                    st.markdown("**Reflection**" + (f" (fit {r['fit_rating']}/5)" if r["fit_rating"] else ""))
                    for label, field in (("How I feel about what I learned", "feelings"),
                                         ("Can I see myself there", "see_myself"),
                                         ("What changed in my view", "view_changed"),
                                         ("What I still need to find out", "still_need")):
                        if r[field]:
                            st.caption(label)
                            st.text(r[field])
                    comment_thread(db, actor, student_id, "reflection", r["id"], key=f"{P}_r{r['id']}",
                                   new_after=new_after)
                elif m["status"] == "held":
                    st.caption("No reflection to show (not written yet, or kept private by the student).")
        for t in c["thank_yous"]:
            with st.container(border=True):
                state = f"sent {when(t['sent_at'])}" if t["sent_at"] else "draft, not sent"
                st.markdown(f"**Thank-you** to {'the referrer' if t['kind'] == 'referrer' else 'the person met'} "
                            f"({state})")
                st.text(t["body"])
                comment_thread(db, actor, student_id, "thank_you", t["id"], key=f"{P}_t{t['id']}", new_after=new_after)
        for f in c["follow_ups"]:
            with st.container(border=True):
                state = f"sent {when(f['sent_at'])}" if f["sent_at"] else f"planned for {f['due_on'] or 'later'}"
                st.markdown(f"**Keeping in touch**: {f['kind'].replace('_', ' ')} ({state})")
                if f["body"]:
                    st.text(f["body"])
                comment_thread(db, actor, student_id, "follow_up", f["id"], key=f"{P}_f{f['id']}", new_after=new_after)
    for o in campaign["outcomes"]:
        with st.container(border=True):
            st.markdown(f"**Where they landed**: {o['kind'].replace('_', ' ')}")
            st.text(" · ".join(x for x in (o["title"], o["organization"], str(o["decided_on"] or "")) if x))
            if o["description"]:
                st.text(o["description"])
            comment_thread(db, actor, student_id, "outcome", o["id"], key=f"{P}_out{o['id']}", new_after=new_after)

with tab_timeline:
    if not timeline:
        st.info("Nothing has happened in this campaign yet.")
    else:
        edits_only = st.toggle("Only edits (what was changed after it was first saved, by whom and when)",
                               key=f"{P}_edits_only")
        shown = [e for e in timeline if e["is_edit"] or not edits_only]
        if not shown:
            st.caption("Nothing has been edited yet.")
        else:
            st.dataframe(pd.DataFrame([{
                "When": when(e["occurred_at"]), "Who": e["actor_name"],
                "What": ("✏️ " if e["is_edit"] else "") + e["description"],
                "Contact": e["contact_name"] or ""} for e in shown]), hide_index=True, width="stretch", height=500,
                key=f"{P}_timeline")
