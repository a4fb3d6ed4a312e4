"""The student's home: their contacts and where each one stands."""

import altair as alt
import pandas as pd
import streamlit as st

from core.contacts import list_contacts, stage_counts
from core.models import STAGE_LABELS, Role, Stage
from ui.guard import require
from ui.widgets import stage_badge, when

db, actor = require(Role.STUDENT)

st.title(f"Hello, {actor.name.split(' ')[0]}")
contacts = list_contacts(db, actor)
if not contacts:
    st.info("No contacts yet. Start by listing three to five people whose work you would like to understand.")
    st.stop()

counts = stage_counts(db, actor)
chart_data = pd.DataFrame({"stage": [STAGE_LABELS[Stage(s)] for s in counts], "contacts": list(counts.values()),
                           "order": range(len(counts))})
st.subheader("Where your contacts stand")
st.altair_chart(
    alt.Chart(chart_data).mark_bar().encode(
        x=alt.X("stage:N", sort=alt.SortField("order"), title=None),
        y=alt.Y("contacts:Q", title="Contacts", axis=alt.Axis(tickMinStep=1)),
        tooltip=["stage", "contacts"],
    ).properties(height=220),
    width="stretch",
)

st.subheader("Your contacts")
for contact in contacts:
    with st.container(border=True):
        left, right = st.columns([4, 1])
        name = f"{contact['first_name']} {contact['last_name']}".strip()
        left.text(name)
        detail = " · ".join(x for x in (contact["title"], contact["organization"], contact["focus_occupation"]) if x)
        if detail:
            left.caption(detail)
        with right:
            stage_badge(contact["stage"])
            st.caption(f"since {when(contact['stage_at'])}")
