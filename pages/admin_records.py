"""Student records: a copy of everything the portal holds about a student, and erasing a student for good."""

import streamlit as st

from core.identity import accounts
from core.models import Role
from core.oversight import records
from ui import forms
from ui.disclosures import request_address, who_for
from ui.downloads import download_link, for_session
from ui.guard import require
from ui.widgets import md_escape, when

db, actor = require(Role.ADMIN)

st.title("Student records", anchor=False)
if flash := st.session_state.pop("admin_records_flash", None):
    st.success(flash)
st.markdown("Find a student to make a copy of their records (what they would get from their own Account page, "
            "less their private reflections) or, when the institution must, to erase their records for good.")

search = st.text_input("Search students", key="admin_records_search", placeholder="name, username, email or student ID")
found = accounts.list_users(db, actor, search=search, role=Role.STUDENT)
erased = records.erased_students(db, actor)
found = [u for u in found if u["id"] not in erased]
if not found:
    st.info("No student matches that search." if search.strip() else "There are no students yet.")
    st.stop()

by_label = {f"{u['first_name']} {u['last_name']} ({u['username']}" + (f", {u['cohort']})" if u["cohort"] else ")"): u
            for u in found}
student = by_label[st.selectbox("Student", list(by_label), key="admin_records_pick")]
name = f"{student['first_name']} {student['last_name']}"

st.subheader("A copy of their records", anchor=False)
st.markdown(f"One ZIP file of everything the portal holds about **{md_escape(name)}**: each table as JSON and as "
            "CSV, with a README of the columns. Their private reflections are left out: only the student's own copy "
            "holds them. The download is recorded, with who it is for, and the student sees it on their Account "
            "page. The file holds a student's records: keep it "
            "where only the career office can read it.")
purpose = who_for(f"admin_records_for_{student['id']}")
if purpose is not None:  # a file for someone outside the institution is offered once it says why
    address = request_address()
    download_link(f"Download {name}'s records (ZIP)",
                  for_session(db, lambda who: records.archive_file(db, who, student["id"], address=address,
                                                                   purpose=purpose)),
                  key=f"admin_records_archive_{student['id']}")

st.subheader("Erase their records", anchor=False)
st.markdown(f"Erasing replaces every text **{md_escape(name)}** wrote and every personal field about them and the "
            "people they met, on every table: contacts, notes, drafts, comments, events, notifications, the "
            "outbox, sessions, sign-in attempts and the nightly export files kept on disk. Their cohort's counts "
            "stay, and the audit log keeps its entries, naming them \"an erased student\". Their account can no "
            "longer sign in. **This cannot be undone**, and backups made before it still hold the records until "
            "they are removed.")
with st.form(f"admin_records_erase_{student['id']}"):
    typed = st.text_input(f"Type {name} to confirm", key=f"admin_records_typed_{student['id']}",
                          autocomplete="off")
    problem = st.empty()
    erase = st.form_submit_button(f"Erase {name}'s records for good", type="primary",
                                  icon=":material/delete_forever:")
if erase:
    done = forms.submit(lambda: records.erase_student(db, actor, student["id"], typed_name=typed), where=problem)
    if done.ok:
        result = done.value
        st.session_state["admin_records_flash"] = (
            f"Erased {name}'s records on {when(result.erased_at)}: {result.total:,} rows changed or removed"
            + (f", {result.export_files} kept export file(s) rewritten" if result.export_files else "")
            + ". The audit log records it.")
        st.rerun()
