"""Cohort settings and goals: the timing rules a counselor may change, the students' email defaults, the cohort's
goals, and who is on track."""

import pandas as pd
import streamlit as st

from core.admin.cohorts import add_goal, get_cohort, list_goals, restore_goal, retire_goal, update_cohort, update_goal
from core.messaging.notify import cohort_defaults, kinds_for, set_cohort_defaults
from core.models import GOAL_LABELS, CohortUpdate, GoalCreate, GoalMetric, GoalUpdate, Role
from core.oversight.dashboard import goal_standings
from core.oversight.progress import cohort_goal_summary
from ui import forms
from ui.counselor import cohort_picker, open_student
from ui.guard import require

db, actor = require(Role.COUNSELOR, Role.ADMIN)
P = "counselor_cohort"
STATUS_WORDS = {"met": "✅ met", "on_track": "on track", "behind": "⚠️ behind", "missed": "❌ missed"}

st.title("Cohort settings and goals", anchor=False)
cohort_id, _ = cohort_picker(db, actor, key=f"{P}_cohort", allow_all=False)
cohort = get_cohort(db, actor, cohort_id)
notice = st.session_state.pop(f"{P}_notice", None)
if notice:
    st.success(notice)

# ---------------------------------------------------------------- timing settings
st.subheader("Timing", anchor=False)
TIMING_LABELS = {"thank_you_window_hours": "Thank-you due within (hours)",
                 "stalled_after_days": "Stalled after (days without activity)",
                 "follow_up_business_days": "Follow-up after (business days without reply)"}
settings_name = f"{P}_settings_{cohort_id}"
settings_version = forms.opened_version(settings_name, cohort.version)
with st.form(f"{P}_settings_form"):
    col1, col2, col3 = st.columns(3)
    window = col1.number_input("Thank-you due within (hours)", min_value=1, max_value=336, step=1,
                               value=cohort.thank_you_window_hours, key=f"{P}_window",
                               help="After a meeting is held, the thank-you shows overdue after this many hours. "
                                    "A day or two is what the method advises.")
    stalled = col2.number_input("Stalled after (days without activity)", min_value=1, max_value=365, step=1,
                                value=cohort.stalled_after_days, key=f"{P}_stalled")
    follow = col3.number_input("Follow-up after (business days without reply)", min_value=1, max_value=30, step=1,
                               value=cohort.follow_up_business_days, key=f"{P}_follow")
    errors_box = st.empty()
    if st.form_submit_button("Save timing"):
        entered = {"thank_you_window_hours": int(window), "stalled_after_days": int(stalled),
                   "follow_up_business_days": int(follow)}
        result = forms.submit(
            lambda: update_cohort(db, actor, cohort_id, CohortUpdate(**entered), expected_version=settings_version,
                                  original={k: getattr(cohort, k) for k in entered}),
            name=settings_name, where=errors_box, labels=TIMING_LABELS)
        if result.ok:
            st.session_state[f"{P}_notice"] = "Timing saved."
            st.rerun()

# ---------------------------------------------------------------- email defaults
st.subheader("Reminders by email", anchor=False)
st.caption("What this cohort's students get by email unless they choose otherwise on their Account page. "
           "Reminders in the portal are always on.")
defaults = cohort_defaults(db, actor, cohort_id)
with st.form(f"{P}_email_form"):
    columns = st.columns(2)
    email_on = {k.key: columns[i % 2].toggle(k.label, value=defaults[k.key], help=k.help,
                                             key=f"{P}_email_{cohort_id}_{k.key}")
                for i, k in enumerate(kinds_for(Role.STUDENT))}
    email_box = st.empty()
    if st.form_submit_button("Save email defaults"):
        if forms.submit(lambda: set_cohort_defaults(db, actor, cohort_id, email_on), where=email_box).ok:
            off = [k.label for k in kinds_for(Role.STUDENT) if not email_on[k.key]]
            st.session_state[f"{P}_notice"] = ("Email defaults saved. "
                                               + (f"Off unless a student turns it on: {', '.join(off)}." if off
                                                  else "Every reminder goes by email unless a student turns it off."))
            st.rerun()

# ---------------------------------------------------------------- goals
st.subheader("Goals", anchor=False)
summary = cohort_goal_summary(db, actor, cohort_id)
if not summary:
    st.caption("No goals yet. A goal says what every student should reach by a date, for example 8 targets.")
retired = st.session_state.get(f"{P}_retired")
if retired is not None:
    note, undo = st.columns([4, 1], vertical_alignment="center")
    note.info("Goal retired: it is no longer tracked (kept on record).", icon=":material/flag:")
    if undo.button("Undo", key=f"{P}_undo_retire", icon=":material/undo:"):
        if forms.submit(lambda: restore_goal(db, actor, retired)).ok:
            st.session_state.pop(f"{P}_retired", None)
            st.session_state[f"{P}_notice"] = "Goal back: it is tracked again."
            st.rerun()
versions = {g["id"]: g["version"] for g in list_goals(db, actor, cohort_id)}
for g in summary:
    goal_id = g["goal_id"]
    with st.container(border=True):
        text_col, stats_col, edit_col, button_col = st.columns([3, 4, 1, 1], vertical_alignment="center")
        due = f" by {g['due_on']:%d %b %Y}" if g["due_on"] else ""
        text_col.markdown(f"**{g['target']} {g['label']}{due}**")
        if g["expected_now"] is not None and g["due_on"]:
            text_col.caption(f"On pace today: {g['expected_now']}")
        stats_col.caption(f"{g['met']} met · {g['on_track']} on track · {g['behind']} behind · {g['missed']} missed "
                          f"(of {g['students']} students)")
        editing = f"{P}_editing_{goal_id}"
        if edit_col.button("Edit", key=f"{P}_edit_{goal_id}", help="Change the target or the date"):
            st.session_state[editing] = True
        if button_col.button("Retire", key=f"{P}_retire_{goal_id}", help="Stop tracking this goal (kept on record)"):
            if forms.submit(lambda: retire_goal(db, actor, goal_id, expected_version=versions.get(goal_id))).ok:
                st.session_state[f"{P}_retired"] = goal_id
                st.rerun()
        if st.session_state.get(editing):
            goal_name = f"{P}_goal_{goal_id}"
            goal_version = forms.opened_version(goal_name, versions.get(goal_id))
            with st.form(f"{P}_goal_edit_form_{goal_id}", border=False):
                left, right = st.columns(2)
                new_target = left.number_input("How many", min_value=1, max_value=500, step=1, value=int(g["target"]),
                                               key=f"{P}_goal_target_{goal_id}")
                new_due = right.date_input("By", value=g["due_on"], key=f"{P}_goal_due_{goal_id}", format="YYYY-MM-DD")
                goal_box = st.empty()
                save, cancel = st.columns(2)
                saved = save.form_submit_button("Save goal", type="primary")
                cancelled = cancel.form_submit_button("Cancel")
            if cancelled:
                forms.done(goal_name)
                st.session_state.pop(editing, None)
                st.rerun()
            if saved:
                result = forms.submit(
                    lambda: update_goal(db, actor, goal_id, GoalUpdate(target_count=int(new_target), due_on=new_due),
                                        expected_version=goal_version),
                    name=goal_name, where=goal_box, labels={"target_count": "Target", "due_on": "Due"})
                if result.ok:
                    st.session_state.pop(editing, None)
                    st.session_state[f"{P}_notice"] = "Goal saved."
                    st.rerun()

goal_key = forms.form_key(f"{P}_goal_add")
with st.form(f"{P}_goal_form", clear_on_submit=True):
    st.markdown("**Add a goal**")
    col1, col2, col3 = st.columns(3)
    metric = col1.selectbox("Every student reaches", list(GoalMetric), key=f"{P}_metric",
                            format_func=lambda m: GOAL_LABELS[m])
    target = col2.number_input("How many", min_value=1, max_value=500, value=3, step=1, key=f"{P}_target")
    due_on = col3.date_input("By", value=cohort.term_end, key=f"{P}_due", format="YYYY-MM-DD")
    goal_errors = st.empty()
    if st.form_submit_button("Add goal"):
        result = forms.submit(
            lambda: add_goal(db, actor, cohort_id, GoalCreate(metric=metric, target_count=int(target), due_on=due_on),
                             idempotency_key=goal_key),
            name=f"{P}_goal_add", where=goal_errors)
        if result.ok:
            st.session_state[f"{P}_notice"] = "Goal added."
            st.rerun()

# ---------------------------------------------------------------- who is on track
if summary:
    st.subheader("Who is on track", anchor=False)
    standings = pd.DataFrame(goal_standings(db, actor, cohort_id))
    if standings.empty:
        st.caption("No students in this cohort yet.")
    else:
        standings["goal"] = standings["target"].astype(str) + " " + standings["label"]
        standings["cell"] = [f"{STATUS_WORDS[s]} ({c}/{t})" for s, c, t in
                             zip(standings["status"], standings["current"], standings["target"], strict=False)]
        matrix = standings.pivot_table(index=["student_id", "name"], columns="goal", values="cell",
                                       aggfunc="first", sort=False).reset_index()
        off = standings[standings["status"].isin(["behind", "missed"])].groupby("student_id").size()
        matrix.insert(2, "Off track", [int(off.get(i, 0)) for i in matrix["student_id"]])
        matrix = matrix.rename(columns={"name": "Student"}).sort_values(["Off track", "Student"],
                                                                        ascending=[False, True])
        matrix = matrix.reset_index(drop=True)
        event = st.dataframe(matrix, hide_index=True, width="stretch", key=f"{P}_standings",
                             column_order=[c for c in matrix.columns if c != "student_id"],
                             on_select="rerun", selection_mode="single-row")
        st.caption("Click a row to open the student.")
        if event.selection.rows:
            open_student(int(matrix.iloc[event.selection.rows[0]]["student_id"]))
