"""Roster import: upload a CSV of students, preview what happens to each line, confirm, hand out passwords."""

import streamlit as st

from core.admin.cohorts import all_cohorts
from core.admin.disclosures import recorded_file
from core.admin.roster import apply, passwords_csv, preview, sample_csv
from core.config import get_settings
from core.errors import RosterError
from core.models import Role
from ui.disclosures import request_address
from ui.downloads import download_link, for_session
from ui.guard import require
from ui.widgets import import_preview, md_escape

db, actor = require(Role.ADMIN)

RESULT_KEY = "admin_roster_result"

st.title("Roster import", anchor=False)
st.write("Upload a CSV with one student per line: **first_name, last_name, email, cohort** (the cohort's exact "
         "name) and optionally **student_id**. A single **name** column works too. Nothing is written until you "
         "confirm the preview.")
open_cohorts = [c["name"] for c in all_cohorts(db, actor) if not c["archived_at"]]
st.download_button("Download an example file", sample_csv(open_cohorts[0] if open_cohorts else "Your cohort name"),
                   file_name="roster-example.csv", mime="text/csv", key="admin_roster_sample",
                   icon=":material/download:", on_click="ignore")



@st.fragment
def _passwords_download(created) -> None:
    # Recorded as taken out when the link is opened (core/admin/disclosures.py): whose accounts, and from where.
    address = request_address()
    data = passwords_csv(created)
    download_link("Download the one-time passwords (CSV)", for_session(db, lambda fresh: recorded_file(
        db, fresh, "passwords", data, file_name="one-time-passwords.csv", rows=len(created), roles=(Role.ADMIN,),
        usernames=[x.username for x in created], covers="new accounts of a roster import", address=address)),
        key="admin_roster_passwords", icon=":material/key:")


issued = st.session_state.get(RESULT_KEY)
if issued is not None:
    created, updated, rejected = issued
    st.success(f"Imported: {len(created)} account(s) created, {updated} updated, {rejected} line(s) skipped.")
    if created:
        st.warning("These one-time passwords are shown only now. Download them and send each student theirs; "
                   "at first sign-in each student must choose their own password.")
        _passwords_download(created)
        st.dataframe([{"Name": f"{x.first_name} {x.last_name}", "Email": x.email, "Cohort": x.cohort,
                       "Username": x.username, "One-time password": x.one_time_password} for x in created],
                     hide_index=True, width="stretch")
    if st.button("Done: forget these passwords", key="admin_roster_forget", icon=":material/done_all:"):
        st.session_state.pop(RESULT_KEY, None)
        st.rerun()
    st.stop()

upload = st.file_uploader("Roster CSV", type=["csv", "txt"], key="admin_roster_file")
if upload is None:
    if not open_cohorts:
        st.info("Create a cohort first (Cohorts page): every student joins one.")
    st.stop()

try:
    plan = preview(db, actor, upload.getvalue())
except RosterError as exc:
    st.error(md_escape(str(exc)))
    st.stop()

counts = import_preview(plan, key="admin_roster", new_label="To create",
                        rejected_note="Rejected lines are skipped; fix them in the file and import it again later "
                                      "(lines already imported then show as up to date).")
if not plan.accepted:
    st.info("Nothing to import from this file.")
    st.stop()

moves = plan.move_warnings()
if moves:
    st.warning(f"{len(moves)} student(s) with campaign work change cohort. Check that this is meant before "
               "importing:\n\n" + "\n".join(f"- {md_escape(text)}" for text in moves), icon=":material/swap_horiz:")

label = f"Import {counts['create']} new and {counts['update']} updated student(s)"
if st.button(label, type="primary", key="admin_roster_confirm", icon=":material/group_add:"):
    bar = st.progress(0.0, text="Preparing one-time passwords…")
    try:
        result = apply(db, actor, plan, rounds=get_settings().one_time_password_rounds,
                       on_progress=lambda done, total: bar.progress(done / total,
                                                                    text=f"Preparing passwords: {done} of {total}"))
    except RosterError as exc:
        bar.empty()
        st.error(md_escape(str(exc)))
        st.stop()
    bar.progress(1.0, text="Saved.")
    st.session_state[RESULT_KEY] = (result.created, result.updated, result.rejected)
    st.session_state.pop("admin_roster_file", None)
    st.rerun()
