"""The cohort dashboard: one row per student with stage counts and flags, charts, recent comments, exports."""

import re
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from core.config import get_settings
from core.errors import NudgeError
from core.identity.accounts import list_users
from core.models import Role
from core.oversight.cockpit import (
    COMPARISON_COLUMNS,
    NUDGE_FIELDS,
    NUDGE_TEMPLATES,
    REASONS,
    cohort_comparison,
    fill_nudge,
    needs_me,
    nudge,
)
from core.oversight.comments import recent_comments
from core.oversight.dashboard import FLAGS, cohort_funnel, dashboard_frame, stage_heatmap, weekly_activity
from core.oversight.export import cell, file_name
from ui import forms
from ui.counselor import ask_for_cohort, cohort_picker, comparison_download, export_buttons, open_student
from ui.guard import require
from ui.widgets import chart_in_words, counted, md_escape, readable, when

db, actor = require(Role.COUNSELOR, Role.ADMIN)
P = "counselor_home"
HEATMAP_MAX = 60
FOUND_MAX = 20

NEEDS_SHOWN = 6
FLAG_URGENCY = ["overdue_thank_you", "stalled", "off_track", "no_reflection", "no_targets"]
# One colour per reason, most urgent the warmest; the badges say their reason in words too.
REASON_COLOURS = {"overdue_thank_you": "red", "unread_reply": "green", "newly_stalled": "orange",
                  "off_track": "violet", "no_reflection": "blue"}
# The filters live in the address, so a reload and a shared link show the same view, and in the
# session, so coming back from a student (Back included) does too.
ADDRESS = {"cohort": f"{P}_cohort", "flags": f"{P}_flags", "q": f"{P}_search", "sort": f"{P}_sort"}
# The table's orders, kept in the address with the filters (a click on a header sorts for the moment).
SORTS = {
    "urgency": ("Most urgent flag first", None),
    "name": ("Name", ["last_name", "first_name"]),
    "inactive": ("Longest inactive first", ["days_inactive"]),
    "overdue": ("Most overdue thank-yous first", ["overdue_thank_yous"]),
    "targets": ("Fewest targets first", ["targets"]),
}
_WRITTEN, _KEPT = f"{P}_address", f"{P}_kept"


def _apply(filters: dict[str, str]) -> None:
    if re.fullmatch(r"-?[0-9]{1,18}", filters.get("cohort", "")):  # anything else names no cohort
        ask_for_cohort(ADDRESS["cohort"], int(filters["cohort"]))
    st.session_state[ADDRESS["flags"]] = [f for f in filters.get("flags", "").split(",") if f in FLAGS]
    st.session_state[ADDRESS["q"]] = filters.get("q", "")[:100]
    st.session_state[ADDRESS["sort"]] = filters.get("sort") if filters.get("sort") in SORTS else "urgency"


def _restore_filters() -> None:
    """Set the filter widgets from the view the person last had, before they are drawn."""
    wanted = {name: st.query_params.get(name, "") for name in ADDRESS}
    if ADDRESS["cohort"] in st.session_state:  # the widgets hold their values: this page is being used
        if any(wanted.values()) and wanted != st.session_state.get(_WRITTEN):
            _apply(wanted)  # the address was changed from outside (edited, or a link followed)
        return
    # Back on this page: Streamlit dropped the widgets' values when another page ran.
    kept = st.session_state.get(_KEPT)
    if kept is not None:
        _apply(kept)
    elif any(wanted.values()):
        _apply(wanted)  # a fresh session: a reload or a shared link


def _filters_to_address(cohort: int | None, flags: list[str], search: str, sort: str = "urgency") -> None:
    written = {"cohort": str(cohort if cohort is not None else -1), "flags": ",".join(flags), "q": search,
               "sort": "" if sort == "urgency" else sort}
    st.session_state[_KEPT] = written
    shown = {name: value for name, value in written.items() if value}
    if dict(st.query_params) != shown:
        st.query_params.from_dict(shown)
    st.session_state[_WRITTEN] = {name: shown.get(name, "") for name in ADDRESS}


st.title("Cohort dashboard", anchor=False)
_restore_filters()
cohort_id, cohorts = cohort_picker(db, actor, key=f"{P}_cohort", allow_all=True)
cohort_name = next((c["name"] for c in cohorts if c["id"] == cohort_id), None)
# The career office's "All cohorts" is the whole institution: it opens on one row per cohort, and a
# cohort (or a student found by name) opens from there. Counselors see their students' rows.
institution = actor.role == Role.ADMIN and cohort_id is None

if institution:
    df = dashboard_frame(db, actor)
    if df.empty:
        st.info("No students in any cohort yet. Add them with the roster import.")
        st.stop()
    totals = {"students": len(df), **{key: int(df[key].sum()) for key in FLAGS}}
    summary = cohort_comparison(db, actor, board=df)
    shown = None
    _filters_to_address(None, [], "")
else:
    df = dashboard_frame(db, actor, cohort_id=cohort_id)
    if df.empty:
        st.info("No students in this cohort yet. The career office adds them to the roster.")
        st.stop()
    totals = {"students": len(df), **{key: int(df[key].sum()) for key in FLAGS}}

    # ------------------------------------------------------------ who needs me this week
    waiting = needs_me(db, actor, cohort_id=cohort_id, board=df)
    with st.container(border=True):
        st.markdown(f"**Needs you this week** ({len(waiting)})" if len(waiting) else "**Needs you this week**")
        if waiting.empty:
            st.caption("Nobody: no overdue thank-you, unread reply, new stall, goal off track or missing reflection.")
        for person in waiting.head(NEEDS_SHOWN).itertuples(index=False):
            badges = " ".join(f":{REASON_COLOURS[r]}-badge[{REASONS[r]}]" for r in person.reasons)
            left, right = st.columns([6, 1], vertical_alignment="center")
            left.markdown(f"{badges} **{md_escape(person.name)}**"
                          + (f" · {md_escape(person.cohort_name)}" if cohort_id is None else "")
                          + f"  \n{md_escape(person.why)}")
            # Named for whom it opens: six buttons all read "Open" said nothing to a screen reader.
            if right.button(f"Open {md_escape(person.name)}", key=f"{P}_needs_{person.student_id}",
                            icon=":material/person_search:", width="stretch"):
                open_student(person.student_id)
        if len(waiting) > NEEDS_SHOWN:
            st.caption(f"And {len(waiting) - NEEDS_SHOWN} more: filter the table below by flag to see them all.")

    # ------------------------------------------------------------ filters
    chosen_flags = st.pills(
        "Show only students flagged", list(FLAGS), selection_mode="multi", key=f"{P}_flags",
        format_func=lambda k: f"{FLAGS[k]} ({totals[k]})",
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
    sort = st.selectbox("Order", list(SORTS), key=ADDRESS["sort"], format_func=lambda k: SORTS[k][0])
    if SORTS[sort][1] is None:
        # Most urgent first, as the cockpit ranks: overdue thank-you, stall, goals off track, reflection, no targets.
        rank = sum(shown[key].fillna(False).astype("int64") * 2 ** (4 - i) for i, key in enumerate(FLAG_URGENCY))
        shown = shown.assign(_rank=rank).sort_values(["_rank", "days_inactive"], ascending=False, kind="stable")
    else:
        columns = SORTS[sort][1]
        shown = shown.sort_values(columns, ascending=sort in ("name", "targets"), kind="stable")
    shown = shown.reset_index(drop=True)
    _filters_to_address(cohort_id, list(chosen_flags), search.strip(), sort)

cols = st.columns(len(FLAGS) + 1)
cols[0].metric("Students", totals["students"])
for col, (key, label) in zip(cols[1:], FLAGS.items(), strict=False):
    col.metric(label, totals[key])

tab_students, tab_charts, tab_comments, tab_export = st.tabs(
    ["Cohorts" if institution else "Students", "Charts", "Recent comments", "Export CSV"],
    key=f"{P}_tabs", on_change="rerun")


def _csv_cell(value) -> str:
    """One comparison value as CSV text (a cohort's name cannot start a formula; quotes doubled)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = cell(value.item() if hasattr(value, "item") else value)
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\r\n') else text


def _open_cohort() -> None:
    """A click on a cohort's row opens that cohort (a callback: the picker above is already drawn)."""
    picked = st.session_state[f"{P}_summary"].selection.rows
    if picked:
        st.session_state[f"{P}_cohort"] = int(summary.iloc[picked[0]]["cohort_id"])


# Each flag's badge colour and the matching cell background in the students table.
FLAG_COLOURS = {"overdue_thank_you": ("red", "#fde0df"), "stalled": ("orange", "#fde9cf"),
                "off_track": ("violet", "#ece2fb"), "no_reflection": ("blue", "#dfeafb"),
                "no_targets": ("gray", "#ececec")}


def _flag_cell(labels: str) -> str:
    """The Flags cell's background: the colour of its most urgent flag (none when no flag is raised)."""
    for key in FLAG_URGENCY:
        if labels and FLAGS[key] in labels:
            return f"background-color: {FLAG_COLOURS[key][1]}; color: #1f1f1f"
    return ""


def _nudge_box(shown, chosen_flags) -> None:
    """One comment to every student the table shows now (e.g. all stalled), from a template, each on
    their own campaign with their own name, goals and thank-yous filled in."""
    with st.expander(f"Nudge the {len(shown)} student{'s' if len(shown) != 1 else ''} shown",
                     icon=":material/campaign:"):
        # The template follows the filter: one per flag chosen (the first at each change of the filter), or
        # a check-in for everyone shown; "For:" never names a flag the table is not filtered by.
        choices = [f for f in chosen_flags if f in NUDGE_TEMPLATES] + ["everyone"]
        picked, seen = f"{P}_nudge_template", f"{P}_nudge_filter"
        if st.session_state.get(seen) != list(chosen_flags) or st.session_state.get(picked) not in choices:
            st.session_state[picked] = choices[0]
            st.session_state[seen] = list(chosen_flags)
        template = st.selectbox("Start from", choices, key=picked,
                                format_func=lambda k: f"For: {FLAGS.get(k, 'Every student shown')}")
        # A flag's template goes to the students shown who have that flag.
        to = shown if template == "everyone" else shown[shown[template].fillna(False).astype(bool)]
        form = f"{P}_nudge_{template}_{forms.round_of(f'{P}_nudge')}"
        body = st.text_area("Message (each student sees it in their comments, from you)", NUDGE_TEMPLATES[template],
                            key=form, max_chars=5_000, height=110)
        st.markdown("Filled in for each student: " + "; ".join(
            f"`{{{name}}}` {what}" for name, what in NUDGE_FIELDS.items()) + ".")
        if len(to):
            first = to.iloc[0]
            try:
                preview = fill_nudge(db, actor, [int(first["student_id"])], body)[int(first["student_id"])]
                st.markdown(f"How {md_escape(first['name'])} will read it:")
                st.text(preview)
            except NudgeError as problem:
                st.warning(str(problem), icon=":material/warning:")
        sure = st.checkbox(f"Send it to these {len(to)} student{'s' if len(to) != 1 else ''}"
                           + ("" if len(to) == len(shown) else f" ({FLAGS[template]})"), key=f"{form}_sure")
        if st.button("Send the nudge", key=f"{P}_nudge_send", icon=":material/send:", disabled=not sure or not len(to)):
            sent = forms.submit(lambda: nudge(db, actor, [int(i) for i in to["student_id"]], body,
                                              idempotency_key=forms.form_key(f"{P}_nudge")), name=f"{P}_nudge")
            if sent.ok:
                forms.next_round(f"{P}_nudge")
                st.session_state[f"{P}_nudged"] = sent.value
                st.rerun()
        if done := st.session_state.pop(f"{P}_nudged", None):
            st.success(f"Nudged {done} student{'s' if done != 1 else ''}: each sees it on their Home.")


# ---------------------------------------------------------------- the table
if tab_students.open and institution:  # only the open tab runs: the others cost nothing until asked for
    with tab_students:
        st.caption(f"{len(summary)} cohorts, {totals['students']:,} students. Click a cohort's row to open it; "
                   "click a column header to sort.")
        headings = dict(COMPARISON_COLUMNS)
        st.dataframe(
            summary.rename(columns=headings), key=f"{P}_summary", hide_index=True, width="stretch",
            on_select=_open_cohort, selection_mode="single-row", column_order=list(headings.values()),
            column_config={
                "Cohort": st.column_config.TextColumn(pinned=True),
                "First meeting held %": st.column_config.ProgressColumn(
                    format="%d%%", min_value=0, max_value=100,
                    help="Share of the cohort's students who have held at least one conversation"),
                "Thank-yous on time %": st.column_config.NumberColumn(
                    format="%d%%", help="Of the thank-yous due so far, the share sent within the cohort's window"),
                "Median days target to interview": st.column_config.NumberColumn(
                    format="%.1f", help="From adding a person to the list to meeting them, the middle value"),
                "Stalled %": st.column_config.NumberColumn(
                    format="%d%%", help="Students with no action for the cohort's stalled days, now"),
            },
        )
        comparison_csv = "\ufeff" + "\r\n".join(
            [",".join(headings.values())]
            + [",".join(_csv_cell(r[c]) for c in headings) for r in summary.to_dict("records")]) + "\r\n"
        comparison_download(db, comparison_csv.encode("utf-8"), rows=len(summary),
                            name=file_name("cohort-comparison", None), key=f"{P}_comparison_csv")
        st.subheader("Find a student", anchor=False)
        wanted = st.text_input("Name, username, email or student number", key=f"{P}_find")
        if wanted.strip():
            found = list_users(db, actor, search=wanted, role=Role.STUDENT, active=True, limit=FOUND_MAX + 1)
            if not found:
                st.caption("No active student matches.")
            for person in found[:FOUND_MAX]:
                left, right = st.columns([4, 1], vertical_alignment="center")
                left.markdown(f"**{md_escape(person['first_name'])} {md_escape(person['last_name'])}** "
                              f"({md_escape(person['username'])}) · {md_escape(person['cohort'] or 'no cohort')}")
                if right.button(f"Open {md_escape(person['first_name'])} {md_escape(person['last_name'])}",
                                key=f"{P}_found_{person['id']}", icon=":material/person_search:"):
                    open_student(person["id"])
            if len(found) > FOUND_MAX:
                st.caption(f"Showing the first {FOUND_MAX}: type more of the name to narrow.")
elif tab_students.open:
    with tab_students:
        st.caption(f"{len(shown)} of {len(df)} students. Click a row to open the student; "
                   "click a column header to sort.")
        zone = get_settings().timezone
        table = pd.DataFrame({
            "student_id": shown["student_id"],
            "Student": shown["name"],
            "Cohort": shown["cohort_name"],
            "Flags": shown["flag_labels"],
            "Targets": shown["targets"], "Researched": shown["researched"], "Outreach sent": shown["outreach_sent"],
            "Interviews": shown["interviews"], "Thanked": shown["thanked"], "Reflected": shown["reflections"],
            "Referrals": shown["referrals"],
            # Stored in UTC; shown in the portal's time zone, converted for the whole column at once.
            "Last activity": shown["last_activity_at"].astype("datetime64[us]").dt.tz_localize("UTC")
                                                      .dt.tz_convert(zone).dt.tz_localize(None),
            "Days inactive": shown["days_inactive"],
            "Overdue thank-yous": shown["overdue_thank_yous"],
            "Meetings w/o reflection": shown["meetings_without_reflection"],
            "Goals off track": shown["goals_off_track"],
        })
        order = [c for c in table.columns if c != "student_id" and (c != "Cohort" or cohort_id is None)]
        st.markdown("Flags, coloured by the most urgent: " + " ".join(
            f":{FLAG_COLOURS[k][0]}-badge[{FLAGS[k]}]" for k in FLAG_URGENCY))
        event = st.dataframe(
            table.style.map(_flag_cell, subset=["Flags"]), key=f"{P}_table", hide_index=True, width="stretch",
            column_order=order,
            on_select="rerun", selection_mode="single-row",
            column_config={
                "Student": st.column_config.TextColumn(pinned=True),
                "Flags": st.column_config.TextColumn(width="medium"),
                "Last activity": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
                "Days inactive": st.column_config.NumberColumn(
                    help="Days since the student last did anything in the portal"),
                "Goals off track": st.column_config.NumberColumn(
                    help="Cohort goals the student is behind on or has missed"),
            },
        )
        if event.selection.rows:
            open_student(int(table.iloc[event.selection.rows[0]]["student_id"]))
        if len(shown):
            pick_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
            names = dict(zip(shown["student_id"], shown["name"] + " (" + shown["username"] + ")", strict=False))
            picked = pick_col.selectbox("Open a student", list(names), key=f"{P}_open_pick",
                                        format_func=lambda i: names[i])
            if button_col.button("Open student", key=f"{P}_open", icon=":material/person_search:", width="stretch"):
                open_student(picked)
            _nudge_box(shown, chosen_flags)

# ---------------------------------------------------------------- charts
def _heatmap() -> None:
    """Active contacts per student per stage, for the students shown in the table (first HEATMAP_MAX)."""
    st.subheader("Where each student's contacts stand", anchor=False)
    if institution:
        st.caption("Pick a cohort above to see each of its students' contacts by stage.")
        return
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
    chart_event = st.altair_chart(readable(heatmap), width="stretch", on_select="rerun", key=f"{P}_heatmap")
    picked_points = (chart_event.selection or {}).get("student") or []
    if picked_points and picked_points[0].get("student_id") is not None:
        open_student(int(picked_points[0]["student_id"]))
    table = heat.pivot_table(index=["student_id", "name"], columns="label", values="contacts", sort=False,
                             aggfunc="sum").reset_index(level="student_id", drop=True).reset_index()
    stages = list(dict.fromkeys(heat.sort_values("stage_order", kind="stable")["label"]))
    table = table[["name", *stages]].rename(columns={"name": "Student"})
    totals = table[stages].sum(axis=1)
    if len(table):
        busiest = int(totals.idxmax())
        none = int((totals == 0).sum())
        words = (f"{counted(len(table), 'student')}: {md_escape(table['Student'][busiest])} has the most active "
                 f"contacts ({int(totals[busiest])}); {counted(none, 'student')} with none yet.")
        chart_in_words(words, table, title="Each student's contacts by stage", key=f"{P}_heatmap_words")


if tab_charts.open:
    with tab_charts:
        funnel = pd.DataFrame(cohort_funnel(db, actor, cohort_id=cohort_id))
        st.subheader("Cohort funnel", anchor=False)
        st.caption("How many active contacts have reached each stage.")
        st.altair_chart(readable(
            alt.Chart(funnel).mark_bar().encode(
                y=alt.Y("label:N", sort=alt.SortField("order"), title=None),
                x=alt.X("contacts:Q", title="Contacts", axis=alt.Axis(tickMinStep=1)),
                tooltip=[alt.Tooltip("label:N", title="Stage"), alt.Tooltip("contacts:Q", title="Contacts")],
            ).properties(height=240)
            + alt.Chart(funnel).mark_text(align="left", dx=4).encode(
                y=alt.Y("label:N", sort=alt.SortField("order")), x="contacts:Q", text="contacts:Q")),
            width="stretch",
        )
        funnel_table = funnel.sort_values("order", kind="stable")[["label", "contacts"]]
        chart_in_words("Active contacts that have reached each stage: " + ", ".join(
            f"{label} {n}" for label, n in zip(funnel_table["label"], funnel_table["contacts"], strict=True)) + ".",
            funnel_table.rename(columns={"label": "Stage", "contacts": "Contacts"}),
            title="Cohort funnel", key=f"{P}_funnel_words")
        _heatmap()

        st.subheader("Activity over time", anchor=False)
        starts = [c["term_start"] for c in cohorts if c["term_start"] and (cohort_id is None or c["id"] == cohort_id)]
        weeks = 16 if not starts else max(4, min(26, (date.today() - min(starts)).days // 7 + 2))
        activity = pd.DataFrame(weekly_activity(db, actor, cohort_id=cohort_id, weeks=weeks))
        activity["label"] = [f"{w:%d %b}" for w in activity["week"]]
        st.caption("Bars: actions by the students each week. Line: how many students did anything that week.")
        x = alt.X("label:O", sort=None, title="Week starting", axis=alt.Axis(labelAngle=0))
        tooltip = [alt.Tooltip("label:O", title="Week of"), alt.Tooltip("events:Q", title="Actions"),
                   alt.Tooltip("active_students:Q", title="Active students"),
                   alt.Tooltip("comments:Q", title="Counselor comments")]
        st.altair_chart(readable(
            alt.layer(
                alt.Chart(activity).mark_bar(opacity=0.7).encode(x=x, y=alt.Y("events:Q", title="Actions"),
                                                                 tooltip=tooltip),
                alt.Chart(activity).mark_line(point=True, color="#d62728").encode(
                    x=x, y=alt.Y("active_students:Q", title="Active students", axis=alt.Axis(titleColor="#d62728")),
                    tooltip=tooltip),
            ).resolve_scale(y="independent").properties(height=240)),
            width="stretch",
        )
        if len(activity):
            top = activity.sort_values(["events", "week"], ascending=[False, False], kind="stable").iloc[0]
            words = (f"Over the last {counted(len(activity), 'week')} the students took "
                     f"{counted(int(activity['events'].sum()), 'action')}; the busiest week began {top['label']}, "
                     f"with {counted(int(top['events']), 'action')} "
                     f"by {counted(int(top['active_students']), 'student')}.")
            chart_in_words(words, activity[["label", "events", "active_students", "comments"]].rename(columns={
                "label": "Week starting", "events": "Actions", "active_students": "Active students",
                "comments": "Counselor comments"}), title="Activity over time", key=f"{P}_activity_words")

# ---------------------------------------------------------------- recent comments
if tab_comments.open:
    with tab_comments:
        latest = recent_comments(db, actor, cohort_id=cohort_id, limit=15)
        if not latest:
            st.caption("No comments yet. Open a student to start a thread on their campaign or on any item.")
        for c in latest:
            with st.container(border=True):
                who = ("You" if c["author_id"] == actor.user_id
                       else f"{md_escape(c['author_name'])} ({c['author_role']})")
                st.caption(f"{who} on {md_escape(c['student_name'])}'s "
                           f"{'campaign' if c['subject_type'] == 'student' else c['subject_type'].replace('_', ' ')}"
                           f", {when(c['created_at'])}"
                           + (f" · edited {when(c['edited_at'])}" if c["edited_at"] else ""))
                st.text(c["body"])
                if st.button(f"Open {md_escape(c['student_name'])}", key=f"{P}_comment_open_{c['id']}",
                             type="tertiary"):
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
