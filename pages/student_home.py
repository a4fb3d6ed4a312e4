"""The student's home: a to-do list computed from the campaign, progress against the cohort's goals,
where the contacts stand, and the counselor's comments on the campaign as a whole."""

import altair as alt
import pandas as pd
import streamlit as st

from core.campaign.contacts import stage_counts
from core.campaign.todo import todo_list
from core.models import STAGE_LABELS, Role, Stage
from core.oversight.progress import goal_progress
from ui.campaign import link
from ui.comments import comment_thread
from ui.guard import require
from ui.widgets import chart_in_words, counted, md_escape, readable, when

db, actor = require(Role.STUDENT)

URGENCY_ICON = {"overdue": ":material/error:", "due": ":material/schedule:", "soon": ":material/event:",
                "open": ":material/radio_button_unchecked:"}
STATUS_WORDS = {"met": "goal met", "on_track": "on track", "behind": "behind pace", "missed": "missed"}
SHOWN = 5  # the first items of the list; the rest open under "N more"
PAGE_TITLES = {"pages/student_targets.py": "Targets", "pages/student_research.py": "Research",
               "pages/student_outreach.py": "Outreach", "pages/student_meetings.py": "Meetings",
               "pages/student_thank_you.py": "Thank-yous", "pages/student_reflection.py": "Reflection",
               "pages/student_keep_in_touch.py": "Keep in touch"}
# The items whose detail is advice in words (the others' detail is a stored code, such as a channel).
DETAIL_SHOWN = {"follow_up": "", "second_person": "", "referrer_thank_you": "Referred you: ", "after_decline": ""}


def timing(item) -> str:
    """Hours left or late, in words."""
    if item.hours_late is not None:
        return f"**{item.hours_late} h late**"
    if item.kind == "meeting_soon" and item.due_at is not None:
        return f"on {when(item.due_at)}"
    if item.hours_left is not None:
        return f"{item.hours_left} h left"
    return ""


def todo_card(n: int, item) -> None:
    """One item: what to do and for whom, its timing, why, and a link to the page and person it concerns."""
    with st.container(border=True, key=f"student_home_todo_{n}"):
        # The person's name once: in the title when it names them, else after it.
        who = "" if not item.contact_name or item.contact_name in item.title else md_escape(item.contact_name)
        if item.organization:
            who += (" · " if who else "") + md_escape(item.organization)
        extra = timing(item)
        title = f"**{md_escape(item.title)}**"
        if item.urgency == "overdue":
            title = f":red[{title}]"
        st.markdown(f"{URGENCY_ICON[item.urgency]} {title}"
                    + (f" — {who}" if who else "") + (f"  \n{extra}" if extra else ""))
        if item.detail and item.kind in DETAIL_SHOWN:
            st.markdown(DETAIL_SHOWN[item.kind] + md_escape(item.detail))
        for goal in item.goals:
            st.markdown(f":material/flag: {md_escape(goal)}")
        # Below the words, not beside them: the link's name stays whole on a phone.
        label = f"Open {PAGE_TITLES[item.page]}" + (f" for {md_escape(item.contact_name)}" if item.contact_name else "")
        link(item.page, label, contact_id=item.contact_id, icon=":material/arrow_forward:")


st.title(f"Hello, {md_escape(actor.name.split(' ')[0])}", anchor=False)

goals = goal_progress(db, actor, actor.user_id)
left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("To do", anchor=False)
    items = todo_list(db, actor, goals=goals)
    if not items:
        st.success("Nothing waiting on you. Add a target or plan your next meeting.")
    for n, item in enumerate(items[:SHOWN]):
        todo_card(n, item)
    if len(items) > SHOWN:
        with st.expander(f"{len(items) - SHOWN} more to do", icon=":material/expand_more:"):
            for n, item in enumerate(items[SHOWN:], start=SHOWN):
                todo_card(n, item)

with right:
    st.subheader("Cohort goals", anchor=False)
    if not goals:
        st.caption("Your cohort has not set goals yet.")
    for g in goals:
        due = f", due {g['due_on']:%d %b}" if g["due_on"] else ""
        st.progress(min(1.0, g["current"] / g["target"]),
                    text=f"{g['current']} of {g['target']} {g['label']}{due} · {STATUS_WORDS[g['status']]}")

    counts = stage_counts(db, actor)
    if any(counts.values()):
        st.subheader("Where your contacts stand", anchor=False)
        chart_data = pd.DataFrame({"stage": [STAGE_LABELS[Stage(s)] for s in counts], "contacts": list(counts.values()),
                                   "order": range(len(counts))})
        st.altair_chart(readable(
            alt.Chart(chart_data).mark_bar().encode(
                y=alt.Y("stage:N", sort=alt.SortField("order"), title=None),
                x=alt.X("contacts:Q", title="Contacts", axis=alt.Axis(tickMinStep=1)),
                tooltip=["stage", "contacts"],
            ).properties(height=220)),
            width="stretch",
        )
        held = [f"{n} at {stage}" for stage, n in zip(chart_data["stage"], chart_data["contacts"], strict=True) if n]
        chart_in_words(f"Your {counted(int(chart_data['contacts'].sum()), 'contact')} by stage: {', '.join(held)}.",
                       chart_data[["stage", "contacts"]].rename(columns={"stage": "Stage", "contacts": "Contacts"}),
                       title="Where your contacts stand", key="student_home_stages")

comment_thread(db, actor, actor.user_id, "student", actor.user_id, key="student_home",
               title="Comments on your campaign")
