"""The cohort dashboard: one row per student with stage counts and flags, charts, recent comments, exports."""

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from core.comments import recent_comments
from core.dashboard import FLAGS, cohort_dashboard, cohort_funnel, stage_heatmap, weekly_activity
from core.models import Role
from ui.counselor import cohort_picker, export_buttons, open_student
from ui.guard import require
from ui.widgets import local, md_escape, when

db, actor = require(Role.COUNSELOR, Role.ADMIN)
P = "counselor_home"
HEATMAP_MAX = 60

st.title("Cohort dashboard")
cohort_id, cohorts = cohort_picker(db, actor, key=f"{P}_cohort", allow_all=True)
cohort_name = next((c["name"] for c in cohorts if c["id"] == cohort_id), None)
students = cohort_dashboard(db, actor, cohort_id=cohort_id)
if not students:
    st.info("No students in this cohort yet. The career office adds them to the roster.")
    st.stop()

df = pd.DataFrame(students)
flag_counts = {key: int(df[key].sum()) for key in FLAGS}

# ---------------------------------------------------------------- filters
chosen_flags = st.pills(
    "Show only students flagged", list(FLAGS), selection_mode="multi", key=f"{P}_flags",
    format_func=lambda k: f"{FLAGS[k]} ({flag_counts[k]})",
    help="No reflection: a meeting held without a reflection. Off track: behind on or missed a cohort goal.",
)
search = st.text_input("Search students", key=f"{P}_search", placeholder="Name, username or student number")
shown = df
if search.strip():
    needle = search.strip().lower()
    haystack = (shown["name"] + " " + shown["username"] + " " + shown["student_number"].fillna("")).str.lower()
    shown = shown[haystack.str.contains(needle, regex=False)]
if chosen_flags:
    shown = shown[shown[list(chosen_flags)].any(axis=1)]
shown = shown.reset_index(drop=True)

cols = st.columns(len(FLAGS) + 1)
cols[0].metric("Students", len(df))
for col, (key, label) in zip(cols[1:], FLAGS.items()):
    col.metric(label, flag_counts[key])

tab_students, tab_charts, tab_comments, tab_export = st.tabs(
    ["Students", "Charts", "Recent comments", "Export CSV"], key=f"{P}_tabs", on_change="rerun")

# ---------------------------------------------------------------- the table
if tab_students.open:  # only the open tab runs: the charts and exports cost nothing until asked for
    with tab_students:
        st.caption(f"{len(shown)} of {len(df)} students. Click a row to open the student; click a column header to sort.")
        table = pd.DataFrame({
            "student_id": shown["student_id"],
            "Student": shown["name"],
            "Cohort": shown["cohort_name"],
            "Targets": shown["targets"], "Researched": shown["researched"], "Outreach sent": shown["outreach_sent"],
            "Interviews": shown["interviews"], "Thanked": shown["thanked"], "Reflected": shown["reflections"],
            "Referrals": shown["referrals"],
            "Last activity": [local(v).replace(tzinfo=None) if v is not None and not pd.isna(v) else None
                              for v in shown["last_activity_at"]],
            "Days inactive": shown["days_inactive"],
            "Overdue thank-yous": shown["overdue_thank_yous"],
            "Meetings w/o reflection": shown["meetings_without_reflection"],
            "Goals off track": shown["goals_off_track"],
            "Flags": [[FLAGS[k] for k in flags] for flags in shown["flags"]],
        })
        order = [c for c in table.columns if c != "student_id" and (c != "Cohort" or cohort_id is None)]
        event = st.dataframe(
            table, key=f"{P}_table", hide_index=True, width="stretch", column_order=order,
            on_select="rerun", selection_mode="single-row",
            column_config={
                "Student": st.column_config.TextColumn(pinned=True),
                "Last activity": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
                "Days inactive": st.column_config.NumberColumn(help="Days since the student last did anything in the portal"),
                "Goals off track": st.column_config.NumberColumn(help="Cohort goals the student is behind on or has missed"),
                "Flags": st.column_config.ListColumn(width="large"),
            },
        )
        if event.selection.rows:
            open_student(int(table.iloc[event.selection.rows[0]]["student_id"]))
        if len(shown):
            pick_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
            names = dict(zip(shown["student_id"], shown["name"] + " (" + shown["username"] + ")"))
            picked = pick_col.selectbox("Open a student", list(names), key=f"{P}_open_pick",
                                        format_func=lambda i: names[i])
            if button_col.button("Open student", key=f"{P}_open", icon=":material/person_search:", width="stretch"):
                open_student(picked)

# ---------------------------------------------------------------- charts
if tab_charts.open:
    with tab_charts:
        funnel = pd.DataFrame(cohort_funnel(db, actor, cohort_id=cohort_id))
        st.subheader("Cohort funnel")
        st.caption("How many active contacts have reached each stage.")
        st.altair_chart(
            alt.Chart(funnel).mark_bar().encode(
                y=alt.Y("label:N", sort=alt.SortField("order"), title=None),
                x=alt.X("contacts:Q", title="Contacts", axis=alt.Axis(tickMinStep=1)),
                tooltip=[alt.Tooltip("label:N", title="Stage"), alt.Tooltip("contacts:Q", title="Contacts")],
            ).properties(height=240)
            + alt.Chart(funnel).mark_text(align="left", dx=4).encode(
                y=alt.Y("label:N", sort=alt.SortField("order")), x="contacts:Q", text="contacts:Q"),
            width="stretch",
        )

        st.subheader("Where each student's contacts stand")
        heat = pd.DataFrame(stage_heatmap(db, actor, cohort_id=cohort_id))
        heat = heat[heat["student_id"].isin(shown["student_id"])]
        ids = list(dict.fromkeys(heat["student_id"]))
        if len(ids) > HEATMAP_MAX:
            st.caption(f"Showing the first {HEATMAP_MAX} of {len(ids)} students: search or filter above to narrow.")
            heat = heat[heat["student_id"].isin(ids[:HEATMAP_MAX])]
        st.caption("Click a student's row to open them.")
        pick = alt.selection_point(fields=["student_id"], name="student", on="click")
        base = alt.Chart(heat).encode(
            x=alt.X("label:N", sort=alt.SortField("stage_order"), title=None, axis=alt.Axis(labelAngle=0, orient="top")),
            y=alt.Y("name:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=220)),
        )
        heatmap = (
            base.mark_rect(stroke="white").encode(
                color=alt.Color("contacts:Q", scale=alt.Scale(scheme="blues"), title="Contacts"),
                tooltip=[alt.Tooltip("name:N", title="Student"), alt.Tooltip("label:N", title="Stage"),
                         alt.Tooltip("contacts:Q", title="Contacts")],
                opacity=alt.condition(pick, alt.value(1.0), alt.value(0.6)),
            ).add_params(pick)
            + base.mark_text(fontSize=11).encode(
                text=alt.condition("datum.contacts > 0", alt.Text("contacts:Q"), alt.value("")),
                color=alt.condition("datum.contacts > 3", alt.value("white"), alt.value("black")))
        ).properties(height=max(120, 28 * heat["student_id"].nunique()))
        chart_event = st.altair_chart(heatmap, width="stretch", on_select="rerun", key=f"{P}_heatmap")
        picked_points = (chart_event.selection or {}).get("student") or []
        if picked_points and picked_points[0].get("student_id") is not None:
            open_student(int(picked_points[0]["student_id"]))

        st.subheader("Activity over time")
        starts = [c["term_start"] for c in cohorts if c["term_start"] and (cohort_id is None or c["id"] == cohort_id)]
    weeks = 16 if not starts else max(4, min(26, (date.today() - min(starts)).days // 7 + 2))
    activity = pd.DataFrame(weekly_activity(db, actor, cohort_id=cohort_id, weeks=weeks))
    activity["label"] = [f"{w:%d %b}" for w in activity["week"]]
    st.caption("Bars: actions by the students each week. Line: how many students did anything that week.")
    x = alt.X("label:O", sort=None, title="Week starting", axis=alt.Axis(labelAngle=0))
    tooltip = [alt.Tooltip("label:O", title="Week of"), alt.Tooltip("events:Q", title="Actions"),
               alt.Tooltip("active_students:Q", title="Active students"),
               alt.Tooltip("comments:Q", title="Counselor comments")]
    st.altair_chart(
        alt.layer(
            alt.Chart(activity).mark_bar(opacity=0.7).encode(x=x, y=alt.Y("events:Q", title="Actions"), tooltip=tooltip),
            alt.Chart(activity).mark_line(point=True, color="#d62728").encode(
                x=x, y=alt.Y("active_students:Q", title="Active students", axis=alt.Axis(titleColor="#d62728")),
                tooltip=tooltip),
        ).resolve_scale(y="independent").properties(height=240),
        width="stretch",
    )

# ---------------------------------------------------------------- recent comments
if tab_comments.open:
    with tab_comments:
        latest = recent_comments(db, actor, cohort_id=cohort_id, limit=15)
        if not latest:
            st.caption("No comments yet. Open a student to start a thread on their campaign or on any item.")
        for c in latest:
            with st.container(border=True):
                who = "You" if c["author_id"] == actor.user_id else f"{md_escape(c['author_name'])} ({c['author_role']})"
                st.caption(f"{who} on {md_escape(c['student_name'])}'s "
                           f"{'campaign' if c['subject_type'] == 'student' else c['subject_type'].replace('_', ' ')}"
                           f", {when(c['created_at'])}"
                           + (f" · edited {when(c['edited_at'])}" if c["edited_at"] else ""))
                st.text(c["body"])
                if st.button("Open student", key=f"{P}_comment_open_{c['id']}", type="tertiary"):
                    open_student(c["student_id"])

# ---------------------------------------------------------------- exports
if tab_export.open:
    with tab_export:
        st.caption("CSV files for the career office: UTF-8 that opens in Excel, dates in ISO 8601, "
                   "columns described in docs/exports.md. Private reflections are never included.")
        period = st.date_input("Period (optional)", value=(), key=f"{P}_period", format="YYYY-MM-DD",
                               help="Leave empty for everything. Counts and rows are limited to these days, inclusive.")
        # A range picker gives () before a choice and (start,) while the end is still open.
        since, until = (tuple(period) + (None, None))[:2]
        include_notes = False
        if actor.role == Role.ADMIN:
            include_notes = st.checkbox("Include free-text notes (research, meeting notes, non-private reflections)",
                                        key=f"{P}_notes")
        export_buttons(db, cohort_id=cohort_id, cohort_name=cohort_name, since=since, until=until,
                       include_notes=include_notes, key=f"{P}_download")
