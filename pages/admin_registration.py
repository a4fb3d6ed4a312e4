"""Self-registration: per cohort, open or close registration with an invite code and allowed email domains."""

import streamlit as st

from core.admin.cohorts import all_cohorts, regenerate_invite_code, set_registration
from core.errors import CohortError
from core.models import Role
from ui.guard import require
from ui.widgets import md_escape

db, actor = require(Role.ADMIN)

st.title("Self-registration", anchor=False)
st.write("Off by default. When a cohort's registration is open, students can create their own account from the "
         "sign-in page by typing the cohort's invite code; they join that cohort at once. Limit it to your "
         "school's email domains so a code passed around outside the class is of no use.")
if flash := st.session_state.pop("admin_registration_flash", None):
    st.success(flash)

cohorts = [c for c in all_cohorts(db, actor) if not c["archived_at"]]
if not cohorts:
    st.info("No active cohort. Create one on the Cohorts page first.")
    st.stop()

st.dataframe([{"Cohort": c["name"], "Registration": "open" if c["self_registration"] else "closed",
               "Invite code": c["invite_code"] or "", "Allowed email domains": c["allowed_email_domains"] or "any"}
              for c in cohorts], hide_index=True, width="stretch")

by_name = {c["name"]: c for c in cohorts}
chosen = by_name[st.selectbox("Cohort", list(by_name), key="admin_registration_pick")]
cid = chosen["id"]
with st.form(f"admin_registration_form_{cid}"):
    is_open = st.toggle("Registration open", value=bool(chosen["self_registration"]),
                        key=f"admin_registration_open_{cid}")
    code = st.text_input("Invite code", value=chosen["invite_code"] or "", key=f"admin_registration_code_{cid}",
                         help="Leave empty to get a random code. 6 to 40 letters, digits or dashes.")
    domains = st.text_input("Allowed email domains", value=(chosen["allowed_email_domains"] or "").replace(",", ", "),
                            key=f"admin_registration_domains_{cid}", placeholder="example.edu, alumni.example.edu",
                            help="Comma-separated. Empty: any email address may register.")
    if st.form_submit_button("Save", type="primary"):
        try:
            set_registration(db, actor, cid, open_=is_open, invite_code=code, allowed_domains=domains)
        except CohortError as exc:
            st.error(md_escape(str(exc)))
        else:
            st.session_state["admin_registration_flash"] = "Saved." + (" Registration is open." if is_open else "")
            st.rerun()

if chosen["invite_code"]:
    if st.button("Replace the code with a new random one", key=f"admin_registration_regen_{cid}",
                 icon=":material/autorenew:", help="The old code stops working at once."):
        regenerate_invite_code(db, actor, cid)
        st.session_state["admin_registration_flash"] = "New code made; the old one no longer works."
        st.rerun()
