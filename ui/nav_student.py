"""The student's pages, in the order of the pipeline: target, research, outreach, interview, thank, reflect, \
keep in touch."""

from functools import partial

import streamlit as st


def sections(*, default: bool = True, hidden: bool = False) -> dict[str, list[st.Page]]:
    page = partial(st.Page, visibility="hidden" if hidden else "visible")
    return {
        "My campaign": [
            page("pages/student_home.py", title="Home", icon=":material/checklist:", default=default),
            page("pages/student_targets.py", title="Targets", icon=":material/person_search:"),
            page("pages/student_volunteers.py", title="Volunteers", icon=":material/volunteer_activism:"),
            page("pages/student_research.py", title="Research", icon=":material/menu_book:"),
            page("pages/student_outreach.py", title="Outreach", icon=":material/send:"),
            page("pages/student_meetings.py", title="Meetings", icon=":material/event:"),
            page("pages/student_thank_you.py", title="Thank-yous", icon=":material/favorite:"),
            page("pages/student_reflection.py", title="Reflection", icon=":material/psychology:"),
            page("pages/student_direction.py", title="Where next", icon=":material/explore:"),
            page("pages/student_keep_in_touch.py", title="Keep in touch", icon=":material/handshake:"),
            page("pages/student_referral_map.py", title="Referral map", icon=":material/account_tree:"),
        ],
    }
