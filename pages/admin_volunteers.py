"""Volunteers and the most-asked people: the career office's directory (add, edit, pause, import from a
CSV previewed line by line) with this term's requests, meetings and thank-yous per volunteer; and the
people and organizations most students wrote to this term, with caps."""

import streamlit as st

from core.errors import NetworkError
from core.models import CONTACT_PREFERENCE_LABELS, ContactPreference, Role, VolunteerCreate
from core.network import volunteers
from ui import forms
from ui.campaign import FieldErrors
from ui.guard import require
from ui.widgets import import_preview, md_escape

db, actor = require(Role.ADMIN)

IMPORTED = "admin_volunteers_imported"
ADD_ROUND = "admin_volunteers_add_round"

st.title("Volunteers", anchor=False)
st.caption("Alumni and employer friends who agreed to talk with students. Students see the active ones, filtered "
           "by their focus occupations, and add one as a target in one click; a volunteer whose conversations "
           "for the term are all taken shows to students as full.")

directory_tab, add_tab, import_tab, asked_tab = st.tabs(["Directory", "Add a volunteer", "Import a CSV",
                                                          "Most asked this term"])


def volunteer_fields(prefix: str, e: dict | None = None) -> tuple[dict, FieldErrors]:
    """The fields of a volunteer, prefilled from a stored one."""
    e = e or {}
    errors = FieldErrors()
    a, b = st.columns(2)
    with a:
        first = st.text_input("First name", value=e.get("first_name", ""), key=f"{prefix}_first", max_chars=100)
        errors.slot("first_name")
        email = st.text_input("Email", value=e.get("email", ""), key=f"{prefix}_email", max_chars=320)
        errors.slot("email")
        title = st.text_input("Title", value=e.get("title", ""), key=f"{prefix}_title", max_chars=200)
        errors.slot("title")
        topics = st.text_input("Glad to talk about", value=e.get("topics", ""), key=f"{prefix}_topics", max_chars=500,
                               placeholder="e.g. first jobs, career changes, portfolios")
        errors.slot("topics")
        capacity = st.number_input("Capacity: conversations per term", min_value=0, max_value=100, step=1,
                                   value=int(e.get("capacity_per_term", 3)), key=f"{prefix}_capacity",
                                   help=f"{volunteers.CAPACITY_MESSAGE} (at most 100): how many students may ask "
                                        "them for a conversation this term. 0 takes no requests.")
        errors.slot("capacity_per_term")
    with b:
        last = st.text_input("Last name", value=e.get("last_name", ""), key=f"{prefix}_last", max_chars=100)
        errors.slot("last_name")
        organization = st.text_input("Organization", value=e.get("organization", ""), key=f"{prefix}_org",
                                     max_chars=200)
        errors.slot("organization")
        occupation = st.text_input("Occupation", value=e.get("occupation", ""), key=f"{prefix}_occupation",
                                   max_chars=200, help="Students see volunteers whose occupation matches one of "
                                                       "their focus occupations first.")
        errors.slot("occupation")
        linkedin = st.text_input("LinkedIn address", value=e.get("linkedin_url") or "", key=f"{prefix}_linkedin")
        errors.slot("linkedin_url")
        preferences = list(ContactPreference)
        current = ContactPreference(e.get("contact_preference", "email"))
        preference = st.selectbox("Prefers to be contacted by", preferences, index=preferences.index(current),
                                  key=f"{prefix}_preference", format_func=lambda p: CONTACT_PREFERENCE_LABELS[p])
    return dict(first_name=first, last_name=last, email=email, organization=organization, title=title,
                occupation=occupation, topics=topics, contact_preference=preference, linkedin_url=linkedin or None,
                capacity_per_term=int(capacity), active=bool(e.get("active", True))), errors


# ---------------------------------------------------------------- the directory
with directory_tab:
    report = volunteers.volunteer_report(db, actor)
    if not report:
        st.info("No volunteers yet: add them one by one or import a CSV.")
    else:
        a, b, c = st.columns(3)
        a.metric("Active volunteers", sum(1 for v in report if v["active"]))
        b.metric("Requests this term", sum(v["requests"] for v in report))
        c.metric("Meetings held this term", sum(v["meetings_held"] for v in report))
        st.dataframe([{
            "Name": f"{v['first_name']} {v['last_name']}".strip(), "Organization": v["organization"],
            "Occupation": v["occupation"], "Status": ("full this term" if v["is_full"] else "taking requests")
            if v["active"] else "paused",
            "Requests": f"{v['requests']} of {v['capacity_per_term']}", "Meetings held": v["meetings_held"],
            "Thanked on time": v["thanked_on_time"], "Email": v["email"]} for v in report],
            hide_index=True, width="stretch")
        st.caption("Requests count this term's targets made from the directory that the student still keeps; "
                   "archiving one gives the place back. Thanked on time: thank-yous sent within the cohort's window "
                   "after a meeting held.")
        st.subheader("Edit or pause a volunteer", anchor=False)
        by_label = {f"{v['first_name']} {v['last_name']} · {v['email']}": v for v in report}
        chosen = by_label[st.selectbox("Volunteer", list(by_label), key="admin_volunteers_pick")]
        vid = chosen["id"]
        edit_name = f"admin_volunteers_edit_{vid}"
        stored = volunteers.get_volunteer(db, actor, vid)
        opened = forms.opened_version(edit_name, stored["version"])
        with st.form(f"{edit_name}_form"):
            values, errors = volunteer_fields(edit_name, stored)
            saved = st.form_submit_button("Save changes")
        message = st.empty()
        if saved:
            result = forms.submit(lambda: volunteers.update_volunteer(db, actor, vid, VolunteerCreate(**values),
                                                                   expected_version=opened),
                                  name=edit_name, errors=errors, where=message)
            if result.ok:
                st.toast("Volunteer saved.", icon=":material/check:")
                st.rerun()
        if stored["active"]:
            if st.button("Pause: students stop seeing them", key=f"admin_volunteers_pause_{vid}",
                         icon=":material/pause_circle:"):
                if forms.submit(lambda: volunteers.set_volunteer_active(db, actor, vid, False)).ok:
                    st.rerun()
        elif st.button("Take requests again", key=f"admin_volunteers_resume_{vid}", icon=":material/play_circle:"):
            if forms.submit(lambda: volunteers.set_volunteer_active(db, actor, vid, True)).ok:
                st.rerun()

# ---------------------------------------------------------------- add one
with add_tab:
    add_round = st.session_state.setdefault(ADD_ROUND, 0)
    form_name = f"admin_volunteers_add_{add_round}"
    with st.form(f"{form_name}_form"):
        values, errors = volunteer_fields(form_name)
        submitted = st.form_submit_button("Add volunteer", type="primary")
    message = st.empty()
    if submitted:
        key = forms.form_key(form_name)
        result = forms.submit(lambda: volunteers.add_volunteer(db, actor, VolunteerCreate(**values),
                                                               idempotency_key=key),
                              name=form_name, errors=errors, where=message)
        if result.ok:
            st.session_state[ADD_ROUND] = add_round + 1
            st.toast(f"Added {values['first_name']} {values['last_name']}.", icon=":material/check:")
            st.rerun()

# ---------------------------------------------------------------- import
with import_tab:
    st.write("One volunteer per line: **first_name, last_name, email**, and optionally **organization, title, "
             "occupation, topics, contact_preference** (email, linkedin, phone or video) and "
             "**capacity_per_term** (a whole number of 0 or more; 3 when blank). A line whose email is already in "
             "the directory updates that volunteer. Nothing is written until you confirm the preview.")
    st.download_button("Download an example file", volunteers.sample_csv(), file_name="volunteers-example.csv",
                       mime="text/csv", key="admin_volunteers_sample", icon=":material/download:", on_click="ignore")
    if done := st.session_state.pop(IMPORTED, None):
        st.success(f"Imported: {done.created} added, {done.updated} updated, {done.rejected} line(s) skipped.")
    upload = st.file_uploader("Volunteer CSV", type=["csv", "txt"], key="admin_volunteers_file")
    if upload is not None:
        try:
            plan = volunteers.preview_import(db, actor, upload.getvalue())
        except NetworkError as exc:
            st.error(md_escape(str(exc)))
            plan = None
        if plan is not None:
            counts = import_preview(plan, key="admin_volunteers", new_label="To add",
                                    rejected_note="Rejected lines are skipped; fix them in the file and "
                                                  "import it again.")
            if counts["create"] + counts["update"] == 0:
                st.info("Nothing to import from this file.")
            elif st.button(f"Import {counts['create']} new and {counts['update']} updated volunteer(s)", type="primary",
                           key="admin_volunteers_confirm", icon=":material/group_add:"):
                result = forms.submit(lambda: volunteers.apply_import(db, actor, plan))
                if result.ok:
                    st.session_state[IMPORTED] = result.value
                    st.session_state.pop("admin_volunteers_file", None)
                    st.rerun()

# ---------------------------------------------------------------- most asked
with asked_tab:
    st.write("People and organizations that more than one student wrote to this term. Students who add someone "
             "already asked see how many others did (never who) and are pointed to their counselor. A cap marks "
             "a person as \"asked often this term: talk to your counselor first\" once that many students asked.")
    settings = volunteers.network_settings(db)
    with st.form("admin_volunteers_default_cap"):
        on = st.toggle("A cap for everyone", value=settings["default_person_cap"] is not None,
                       key="admin_volunteers_default_on")
        default = st.number_input("Students per person per term", min_value=1, max_value=1000,
                                  value=int(settings["default_person_cap"] or 5), key="admin_volunteers_default_cap_n")
        if st.form_submit_button("Save the default"):
            if forms.submit(lambda: volunteers.set_default_cap(db, actor, int(default) if on else None)).ok:
                st.toast("Default cap saved.", icon=":material/check:")
                st.rerun()
    st.subheader("People", anchor=False)
    people = volunteers.most_asked_people(db, actor)
    if not people:
        st.info("Nobody was asked by more than one student this term.")
    else:
        st.dataframe([{"Person": p["name"], "Organization": p["organization"], "Students": p["students"],
                       "Cap": ("" if p["cap"] is None else p["cap"] if p["own_cap"] is not None
                               else f"{p['cap']} (default)"),
                       "Capped": "yes" if p["capped"] else ""} for p in people], hide_index=True, width="stretch")
        by_label = {f"{p['name']} · {p['organization']} ({p['students']} students)": p for p in people}
        with st.form("admin_volunteers_cap_form"):
            chosen = by_label[st.selectbox("Person", list(by_label), key="admin_volunteers_cap_pick")]
            cap = st.number_input("Cap: students per term", min_value=1, max_value=1000,
                                  value=int(chosen["own_cap"] or max(1, chosen["students"])),
                                  key="admin_volunteers_cap_n")
            set_col, lift_col = st.columns(2)
            set_clicked = set_col.form_submit_button("Set this cap", type="primary")
            lift_clicked = lift_col.form_submit_button("Lift their own cap")
        if set_clicked or lift_clicked:
            label = f"{chosen['name']} ({chosen['organization']})"
            if forms.submit(lambda: volunteers.set_person_cap(db, actor, chosen["person_key"], label,
                                                           int(cap) if set_clicked else None)).ok:
                st.toast("Cap saved." if set_clicked else "Cap lifted.", icon=":material/check:")
                st.rerun()
    organizations = volunteers.most_asked_organizations(db, actor)
    if organizations:
        st.subheader("Organizations", anchor=False)
        st.dataframe([{"Organization": o["organization"], "Students": o["students"], "People asked": o["people"]}
                      for o in organizations], hide_index=True, width="stretch")
