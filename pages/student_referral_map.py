"""The referral map: who led to whom in the student's campaign, coloured by where each contact stands."""

import streamlit as st

from core.campaign.contacts import referral_links
from core.models import Role
from ui.campaign import link, referral_dot, stage_legend_dot
from ui.guard import require
from ui.widgets import md_escape

db, actor = require(Role.STUDENT)

st.title("Referral map", anchor=False)
st.caption("Each arrow points from the person you met to someone they suggested you talk to. "
           "A dashed arrow: you may not use their name when you get in touch.")
chains = referral_links(db, actor)
if not chains["edges"]:
    st.info("No referrals yet. At the end of each meeting, ask: \u201cIs there anyone else you would suggest I talk "
            "to? May I use your name?\u201d Log the names with the meeting and they appear here.")
    link("pages/student_meetings.py", "Go to Meetings", icon=":material/event:")
    st.stop()

st.graphviz_chart(referral_dot(chains["nodes"], chains["edges"]), width="content")
st.caption("Colours: where each contact stands")
st.graphviz_chart(stage_legend_dot(), width="content")
names = {n["id"]: f"{n['first_name']} {n['last_name']}".strip() for n in chains["nodes"]}
starts = [n for n in chains["nodes"] if n["referred_by_contact_id"] is None or n["referred_by_contact_id"] not in names]
st.markdown(f"**{len(chains['edges'])} referral(s)** from **{len(starts)}** starting contact(s).")
with st.expander("As a list"):
    for e in chains["edges"]:
        # The dashed arrow in words: the list says what the picture draws.
        referrer = md_escape(names[e["from_id"]])
        not_by_name = "" if e["may_use_referrer_name"] else f" (you may not use {referrer}'s name)"
        st.markdown(f"{referrer} → {md_escape(names[e['to_id']])}{not_by_name}")
