"""Where next: per focus occupation, what the conversations held so far say (fit, skills, values) and a plain
suggestion the student decides on; then who to talk to next, each with the reason."""

import altair as alt
import pandas as pd
import streamlit as st

from core.models import Role
from core.network import narrowing, volunteers
from ui import forms
from ui.campaign import link
from ui.guard import require
from ui.widgets import chart_in_words, counted, md_escape, readable, when

db, actor = require(Role.STUDENT)

ADDED = "student_direction_added"
BADGES = {"deeper": ("Go deeper", "green"), "keep": ("Keep exploring", "blue"),
          "replace": ("Think about replacing", "orange"), "start": ("No conversation yet", "gray")}

st.title("Where next", anchor=False)
st.caption("Narrow to about three occupations, then go deeper. Each reflection's fit rating and each meeting's "
           "skill words add up here. The suggestions are only suggestions: you decide, and nothing changes by itself.")

summaries = narrowing.occupation_summaries(db, actor, actor.user_id)
if not summaries:
    st.info("Add up to three focus occupations on the Targets page, tag the people you meet with one, and rate the fit "
            "in each reflection: this page then shows what your conversations say.")
    link("pages/student_targets.py", "Go to Targets", icon=":material/person_search:")
    st.stop()

rated = [s for s in summaries if s.ratings]
if rated:
    chart = pd.DataFrame({"Occupation": [s.name for s in rated], "Average fit": [s.average_fit for s in rated],
                          "Rated conversations": [len(s.ratings) for s in rated]})
    st.altair_chart(readable(alt.Chart(chart).mark_bar().encode(
        x=alt.X("Average fit:Q", scale=alt.Scale(domain=[0, 5]), title="Average fit (1 to 5)"),
        y=alt.Y("Occupation:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=["Occupation", "Average fit", "Rated conversations"],
    ).properties(height=50 + 36 * len(rated))), width="stretch")
    ranked = chart.sort_values("Average fit", ascending=False, kind="stable")
    fits = [f"{md_escape(r['Occupation'])} {r['Average fit']:.1f} of 5 "
            f"({counted(int(r['Rated conversations']), 'conversation')})" for r in ranked.to_dict("records")]
    chart_in_words(f"Average fit from your reflections, highest first: {'; '.join(fits)}.", ranked,
                   title="Average fit", key="student_direction_fit")

for s in summaries:
    label, color = BADGES[s.suggestion]
    with st.container(border=True, key=f"student_direction_occupation_{s.occupation_id or 'none'}"):
        head, badge = st.columns([4, 2], vertical_alignment="center")
        head.subheader(md_escape(s.name), anchor=False)
        with badge:
            st.badge(label, color=color)
        a, b, c = st.columns(3)
        a.metric("Conversations held", s.held)
        b.metric("Rated", len(s.ratings))
        c.metric("Average fit", "–" if s.average_fit is None else f"{s.average_fit} of 5")
        st.write(md_escape(s.advice))
        if s.skills:
            st.caption("Skills that came up more than once: " + md_escape(", ".join(f"{w} ({n})" for w, n in s.skills)))
        if s.values:
            st.caption("What your reflections keep naming: " + md_escape(", ".join(f"{w} ({n})" for w, n in s.values)))
        if s.conversations:
            with st.expander("The conversations behind this"):
                st.dataframe([{"Person": c.contact_name, "Organization": c.organization, "Held": when(c.held_at),
                               "Fit": "" if c.fit is None else c.fit} for c in s.conversations],
                             hide_index=True, width="stretch")

st.header("Who next", anchor=False)
if added := st.session_state.get(ADDED):
    st.success(f"Added {md_escape(added['name'])} to your targets, with the introduction drafted.",
               icon=":material/check:")
    if added.get("notice"):
        st.warning(added["notice"], icon=":material/groups:")
    link("pages/student_outreach.py", "Open the introduction draft", contact_id=added["contact_id"],
         icon=":material/edit_note:")
suggested = narrowing.who_next(db, actor)
if not suggested:
    st.info("No one to suggest yet. Referrals from your conversations, career office volunteers in the occupations "
            "you rate well, and more people at organizations you have met will show here.")
for i, p in enumerate(suggested):
    with st.container(border=True, key=f"student_direction_next_{i}"):
        text, action = st.columns([4, 2], vertical_alignment="center")
        text.markdown(f"**{md_escape(p.name)}**" + (f" · {md_escape(p.organization)}" if p.organization else ""))
        text.caption(md_escape(p.reason))
        with action:
            if p.contact_id is not None:
                link("pages/student_outreach.py", "Write to them", contact_id=p.contact_id, icon=":material/send:")
            elif p.volunteer_id is not None:
                form_name = f"student_direction_add_{p.volunteer_id}"
                if st.button("Add to my targets", key=form_name, icon=":material/person_add:"):
                    key = forms.form_key(form_name)
                    result = forms.submit(lambda: volunteers.add_as_target(db, actor, p.volunteer_id,
                                                                           idempotency_key=key),
                                          name=form_name)
                    if result.ok:
                        st.session_state[ADDED] = {"name": p.name, "contact_id": result.value.contact_id,
                                                   "notice": result.value.demand.notice()}
                        st.rerun()
