"""Audit log: who changed what, one plain sentence per event with the address of sign-ins and downloads, filtered by
person, cohort, action, kind and date, downloadable as CSV; and the records of who took student records out."""

from datetime import timedelta

import streamlit as st

from core.admin.audit import action_words, actions, events_csv, kind_words, kinds, list_events
from core.admin.cohorts import all_cohorts
from core.admin.disclosures import for_student, list_disclosures, recorded_file
from core.clock import utcnow
from core.config import get_settings
from core.identity.accounts import list_users
from core.models import Role
from ui.disclosures import request_address, who_for
from ui.downloads import download_link, for_session
from ui.guard import require
from ui.widgets import local

db, actor = require(Role.ADMIN)

st.title("Audit log", anchor=False)
st.write("Every change in the portal is recorded with who made it and when, one sentence each, with the address "
         "sign-ins and downloads came from. Times are in the portal's time zone.")

# The role beside each name tells namesakes apart and says whose account it is.
people = {f"{u['first_name']} {u['last_name']} ({u['role']}, {u['username']})": u["id"]
          for u in list_users(db, actor, limit=100_000)}
cohorts = {c["name"]: c["id"] for c in all_cohorts(db, actor)}
a, b = st.columns(2)
who = a.selectbox("Person (did it, or it was done to them)", ["Anyone", *people], key="admin_audit_person")
cohort = b.selectbox("Cohort", ["Any", *cohorts], key="admin_audit_cohort")
a, b = st.columns(2)
kind = a.selectbox("Kind", ["Any", *kinds(db, actor)], key="admin_audit_kind",
                   format_func=lambda k: k if k == "Any" else kind_words(k),
                   help="What the events concern: accounts and sign-ins, downloads of student records, cohorts, ...")
action = b.selectbox("Action", ["Any", *actions(db, actor)], key="admin_audit_action",
                     format_func=lambda a: a if a == "Any" else action_words(a))
today = utcnow().date()
d1, d2, d3 = st.columns([1, 1, 1])
since = d1.date_input("From", value=today - timedelta(days=30), key="admin_audit_since")
until = d2.date_input("To", value=today, key="admin_audit_until")
limit = d3.number_input("Show at most", min_value=50, max_value=20_000, value=1_000, step=50, key="admin_audit_limit")
if since and until and until < since:
    st.error("The end date is before the start date.")
    st.stop()

found = list_events(db, actor, user_id=people.get(who), cohort_id=cohorts.get(cohort), since=since, until=until,
                    action=None if action == "Any" else action, entity_type=None if kind == "Any" else kind,
                    limit=int(limit), zone=get_settings().timezone)
st.dataframe(
    [{"When": local(e["occurred_at"]).strftime("%Y-%m-%d %H:%M"),
      "Who": e["actor"] if e["actor_id"] is not None else "the portal (automatic)",
      "Role": e["actor_role"] or "", "What happened": e["sentence"],
      "Student": e["student"] or "", "Cohort": e["cohort"] or "", "From address": e["address"] or ""} for e in found],
    hide_index=True, width="stretch",
    column_config={"What happened": st.column_config.TextColumn(width="large")},
)
st.write(f"{len(found)} event(s)" + (" — the limit was reached; narrow the filters to see older ones."
                                      if len(found) == int(limit) else ""))

# ---------------------------------------------------------------- the filtered log as CSV
st.subheader("Download these events", anchor=False)
st.write("The events listed above as a CSV file (times in UTC). It names students, so the download is recorded "
         "like any other file of student records.")
if found:
    purpose = who_for("admin_audit_download")
    if purpose is not None:
        data, address = events_csv(found), request_address()
        covered = ", ".join(f"{label}: {value}" for label, value in (
            ("person", who), ("cohort", cohort), ("kind", kind), ("action", action)) if value not in ("Anyone", "Any"))
        covered = (covered + ", " if covered else "") + f"{since or 'the beginning'} to {until or 'today'}"
        students = {e["student_id"] for e in found if e["student_id"] is not None}
        download_link("Download these events (CSV)", for_session(db, lambda fresh: recorded_file(
            db, fresh, "audit", data, file_name=f"audit-log_{today.isoformat()}.csv", rows=len(found),
            roles=(Role.ADMIN,), student_ids=students, covers=covered, purpose=purpose, address=address)),
            key="admin_audit_csv")

# ---------------------------------------------------------------- who took student records out
st.subheader("Records taken out", anchor=False)
st.write("Every file with student records that left the portal: exports, the cohort comparison, one-time "
         "passwords, student archives, backups and this log's CSV, with who took it, from where, how many rows, and "
         "for a file meant for someone outside the institution, why. Choose a student to see the files that held "
         "their records.")
students_only = {name: uid for name, uid in people.items() if "(student," in name}
whose = st.selectbox("Student", ["Every student", *students_only], key="admin_audit_disclosures_student")
taken = (for_student(db, actor, students_only[whose]) if whose in students_only
         else list_disclosures(db, actor, since=since, until=until))
if not taken:
    st.info("No file of student records was taken out" + (" for this student." if whose in students_only
                                                           else " in these days."))
else:
    st.dataframe(
        [{"When": local(d["occurred_at"]).strftime("%Y-%m-%d %H:%M"), "Who": d["actor"], "Role": d["actor_role"] or "",
          "From address": d["client_address"] or "", "File": d["what"],
          "Covers": d["covers"] or ("every student" if d["whole_portal"] else ""),
          "Rows": "" if d["row_count"] is None else f"{d['row_count']:,}",
          **({} if whose in students_only else {"Students": "everyone" if d["whole_portal"] else f"{d['students']:,}"}),
          "For": d["for_whom"]} for d in taken],
        hide_index=True, width="stretch",
        column_config={"For": st.column_config.TextColumn(width="large")},
    )
