"""The student's pages, in the order of the pipeline: target, research, outreach, interview, thank, reflect, keep in touch."""

import streamlit as st


def sections() -> dict[str, list[st.Page]]:
    return {
        "My campaign": [
            st.Page("pages/student_home.py", title="Home", icon=":material/checklist:", default=True),
            st.Page("pages/student_targets.py", title="Targets", icon=":material/person_search:"),
            st.Page("pages/student_research.py", title="Research", icon=":material/menu_book:"),
            st.Page("pages/student_outreach.py", title="Outreach", icon=":material/send:"),
            st.Page("pages/student_meetings.py", title="Meetings", icon=":material/event:"),
            st.Page("pages/student_thank_you.py", title="Thank-yous", icon=":material/favorite:"),
            st.Page("pages/student_reflection.py", title="Reflection", icon=":material/psychology:"),
            st.Page("pages/student_keep_in_touch.py", title="Keep in touch", icon=":material/handshake:"),
            st.Page("pages/student_referral_map.py", title="Referral map", icon=":material/account_tree:"),
        ],
    }
