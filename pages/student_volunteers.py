"""Volunteers: alumni and employer friends of the career office who agreed to talk with students.

Filtered by the student's focus occupations by default, searchable by organization or topic; one
click adds a volunteer as a target with the introduction drafted. A volunteer with every
conversation of the term taken shows as full, not hidden.
"""

import streamlit as st

from core.campaign.contacts import list_focus_occupations
from core.models import CONTACT_PREFERENCE_LABELS, ContactPreference, Role
from core.network import volunteers
from ui import forms
from ui.campaign import link
from ui.guard import require
from ui.widgets import md_escape

db, actor = require(Role.STUDENT)

ADDED = "student_volunteers_added"
SHOWN = 40

st.title("Volunteers", anchor=False)
st.caption("Alumni and employer friends of the career office who agreed to talk with students. Add one to your "
           "targets and the introduction is drafted for you; say how you found them and keep it short.")

occupations = list_focus_occupations(db, actor, actor.user_id)
s1, s2 = st.columns([3, 2], vertical_alignment="bottom")
search = s1.text_input("Search by organization, topic or occupation", key="student_volunteers_search", max_chars=200,
                       placeholder="e.g. hospital, first jobs, UX")
focus_only = s2.toggle("Only my focus occupations", value=bool(occupations), key="student_volunteers_focus",
                       disabled=not occupations,
                       help="Volunteers whose occupation matches one of the focus occupations on your Targets page.")
if not occupations:
    st.info("Add up to three focus occupations on the Targets page to see the volunteers in them first.")

if added := st.session_state.get(ADDED):
    with st.container(border=True):
        st.success(f"Added {md_escape(added['name'])} to your targets, with the introduction drafted.",
                   icon=":material/check:")
        if added.get("notice"):
            st.warning(added["notice"], icon=":material/groups:")
        link("pages/student_outreach.py", "Open the introduction draft", contact_id=added["contact_id"],
             icon=":material/edit_note:")

found = volunteers.directory(db, actor, search=search, focus_only=focus_only and bool(occupations))
if not found:
    if search.strip() or focus_only:
        st.info("No volunteer matches. Try another word, or turn off \"Only my focus occupations\".")
    else:
        st.info("The career office has not listed any volunteers yet.")
    st.stop()

st.caption(f"{len(found)} volunteer(s)"
           + (f"; the first {SHOWN} are shown, search to narrow" if len(found) > SHOWN else ""))
for v in found[:SHOWN]:
    name = f"{v['first_name']} {v['last_name']}".strip()
    with st.container(border=True, key=f"student_volunteers_card_{v['id']}"):
        text, action = st.columns([4, 2], vertical_alignment="center")
        with text:
            st.markdown(f"**{md_escape(name)}**" + (f" · {md_escape(v['title'])}" if v["title"] else "")
                        + (f" · {md_escape(v['organization'])}" if v["organization"] else ""))
            details = []
            if v["occupation"]:
                details.append(f"Occupation: {v['occupation']}")
            if v["topics"]:
                details.append(f"Glad to talk about: {v['topics']}")
            preference = CONTACT_PREFERENCE_LABELS.get(ContactPreference(v["contact_preference"]),
                                                       v["contact_preference"])
            details.append(f"Prefers: {preference}")
            st.caption(md_escape(" · ".join(details)))
        with action:
            if v["my_contact_id"] is not None:
                st.badge("In your targets", icon=":material/check:", color="green")
                link("pages/student_outreach.py", "Outreach", contact_id=v["my_contact_id"], icon=":material/send:")
            elif v["is_full"]:
                st.badge("Full this term", icon=":material/event_busy:", color="gray")
                st.caption("Every conversation offered this term is taken.")
            else:
                form_name = f"student_volunteers_add_{v['id']}"
                if st.button("Add to my targets", key=form_name, icon=":material/person_add:", type="primary"):
                    key = forms.form_key(form_name)
                    result = forms.submit(lambda: volunteers.add_as_target(db, actor, v["id"], idempotency_key=key),
                                          name=form_name)
                    if result.ok:
                        st.session_state[ADDED] = {"name": name, "contact_id": result.value.contact_id,
                                                   "notice": result.value.demand.notice()}
                        st.rerun()
