"""Keep in touch and outcomes: log later follow-ups (news, a shared resource, a check-in) with the day and
time they went out, record where the student landed and which contacts helped (once per form; edited in
place, removed with Undo), and send each of them a "where I landed" note."""

from datetime import timedelta

import streamlit as st

from core.admin.library import list_items
from core.campaign import keep_in_touch, merge_fields
from core.campaign.contacts import list_contacts
from core.clock import utcnow
from core.models import FollowUpCreate, FollowUpKind, OutcomeCreate, OutcomeKind, Role
from ui import forms
from ui.campaign import FieldErrors, contact_label, contact_picker
from ui.comments import comment_thread
from ui.guard import require
from ui.sent_on import sent_on
from ui.widgets import local, md_escape, when

db, actor = require(Role.STUDENT)
KIND_WORDS = {FollowUpKind.NEWS: "News", FollowUpKind.RESOURCE: "A resource to share",
              FollowUpKind.CHECK_IN: "Check-in", FollowUpKind.WHERE_I_LANDED: "Where I landed",
              FollowUpKind.OTHER: "Other"}
OUTCOME_WORDS = {OutcomeKind.INTERNSHIP: "Internship", OutcomeKind.JOB_OFFER: "Job offer",
                 OutcomeKind.NONE: "Nothing yet", OutcomeKind.OTHER: "Other"}
OUTCOME_LABELS = {"kind": "Outcome", "organization": "Organization", "title": "Title", "description": "What happened",
                  "decided_on": "Decided on", "helped_contact_ids": "Contacts who helped"}
# The outcome just removed, kept for its Undo.
REMOVED_OUTCOME = "student_keep_in_touch_removed_outcome"


def outcome_words(o: dict) -> str:
    """An outcome in a few words (plain text): what, as what, where."""
    return " · ".join(w for w in (OUTCOME_WORDS[OutcomeKind(o["kind"])], o["title"], o["organization"]) if w)


st.title("Keep in touch", anchor=False)
st.caption("Reach out now and then, especially with good news or something useful to share.")
contacts = list_contacts(db, actor)
if not contacts:
    st.info("Add a target first.")
    st.stop()

log_tab, landed_tab = st.tabs(["Follow-ups", "Where I landed"])
KINDS = [k for k in FollowUpKind if k != FollowUpKind.WHERE_I_LANDED]
SENT = "Already sent"

with log_tab:
    contact = contact_picker(db, actor, key="student_keep_in_touch_contact", contacts=contacts)
    template = next((t for t in list_items(db, actor, "template") if t["category"] == "keep_in_touch"), None)
    add_name = f"student_keep_in_touch_add_{contact['id']}"
    k = f"{add_name}_{forms.round_of(add_name)}"
    with st.form(f"{k}_form"):
        errors = FieldErrors()
        kind = st.selectbox("Kind", KINDS,
                            key=f"{k}_kind", format_func=lambda k: KIND_WORDS[k])
        text = (merge_fields.fill(template["body"], merge_fields.values_for(db, actor, contact["id"]))
                if template else "")
        body = st.text_area("Message", value=text, height=160, key=f"student_keep_in_touch_body_{k}")
        errors.slot("body", "Message")
        when_choice = st.radio("When", [SENT, "Plan it for a date"], horizontal=True, key=f"{k}_when")
        # Sent earlier (logged a day late, say): the day and time it went out.
        add_sent_at = sent_on(f"{k}_sent")
        due = st.date_input("Planned date", value=local(utcnow()).date() + timedelta(days=30), key=f"{k}_due")
        errors.slot("due_on", "Planned date")
        add_clicked = st.form_submit_button("Save", type="primary")
    add_message = st.empty()
    default_due = local(utcnow()).date() + timedelta(days=30)
    untouched = (kind == KINDS[0] and body == text and when_choice == SENT and add_sent_at is None
                 and due == default_due)
    if add_clicked and forms.is_repeat(add_name, untouched):
        # The second click of a double click, on the form drawn anew with the template: nothing more.
        add_message.success("Saved.", icon=":material/check:")
    elif add_clicked:
        key = forms.form_key(add_name)
        planned = when_choice != SENT
        result = forms.submit(lambda: keep_in_touch.add_follow_up(
            db, actor, contact["id"], FollowUpCreate(kind=kind, body=body, due_on=due if planned else None),
            sent_at=None if planned else add_sent_at, idempotency_key=key),
            name=add_name, errors=errors, where=add_message)
        if result.ok:
            forms.remember_save(add_name)
            forms.next_round(add_name)
            st.toast("Saved.", icon=":material/check:")
            st.rerun()

    st.subheader("Your follow-ups", anchor=False)
    follow_ups = keep_in_touch.list_follow_ups(db, actor, actor.user_id)
    if not follow_ups:
        st.caption("None yet.")
    for f in follow_ups:
        with st.container(border=True):
            state = f"sent {when(f['sent_at'])}" if f["sent_at"] else f"planned for {f['due_on']:%d %b %Y}"
            st.markdown(f"**{md_escape(f['contact_name'])}** · {KIND_WORDS[FollowUpKind(f['kind'])]} · {state}")
            if f["body"]:
                st.text(f["body"])
            if f["sent_at"] is None:
                with st.form(f"student_keep_in_touch_sent_{f['id']}", border=False):
                    s1, s2, s3 = st.columns([2, 2, 1], vertical_alignment="bottom")
                    planned_sent_at = sent_on(f"student_keep_in_touch_sent_{f['id']}", columns=(s1, s2))
                    sent_clicked = s3.form_submit_button("Mark sent")
                sent_message = st.empty()
                if sent_clicked and forms.submit(lambda: keep_in_touch.mark_follow_up_sent(
                        db, actor, f["id"], sent_at=planned_sent_at), where=sent_message).ok:
                    st.rerun()
            edit_name = f"student_keep_in_touch_edit_{f['id']}"
            opened = forms.opened_version(edit_name, f["version"])
            ek = f"{edit_name}_{forms.round_of(edit_name)}"
            # Named for the note it edits: a column of "Edit" said nothing read aloud.
            with st.expander(f"Edit the note to {md_escape(f['contact_name'])}, {state}", icon=":material/edit:"):
                with st.form(f"{ek}_form", border=False):
                    kinds = [x for x in FollowUpKind]
                    new_kind = st.selectbox("Kind", kinds, index=kinds.index(FollowUpKind(f["kind"])), key=f"{ek}_kind",
                                            format_func=lambda x: KIND_WORDS[x])
                    new_body = st.text_area("Message", value=f["body"], height=120, key=f"{ek}_body")
                    new_due = None
                    if f["sent_at"] is None:
                        new_due = st.date_input("Planned date", value=f["due_on"], key=f"{ek}_due")
                    edit_clicked = st.form_submit_button("Save changes")
                edit_message = st.empty()
                if edit_clicked:
                    result = forms.submit(lambda: keep_in_touch.update_follow_up(
                        db, actor, f["id"], FollowUpCreate(kind=new_kind, body=new_body, due_on=new_due),
                        expected_version=opened), name=edit_name, where=edit_message,
                        labels={"body": "Message", "due_on": "Planned date"})
                    if result.ok:
                        forms.next_round(edit_name)
                        st.rerun()
            comment_thread(db, actor, actor.user_id, "follow_up", f["id"], key=f"student_keep_in_touch_fu_{f['id']}")

with landed_tab:
    if removed := st.session_state.get(REMOVED_OUTCOME):
        r1, r2 = st.columns([4, 1], vertical_alignment="center")
        r1.info(f"Removed the outcome \u201c{md_escape(outcome_words(removed))}\u201d.", icon=":material/delete:")
        if r2.button("Undo", key="student_keep_in_touch_undo_remove", icon=":material/undo:"):
            st.session_state.pop(REMOVED_OUTCOME, None)
            if forms.submit(lambda: keep_in_touch.restore_outcome(db, actor, removed)).ok:
                st.rerun()
    everyone = {c["id"]: c for c in list_contacts(db, actor, include_archived=True)}
    by_id = {c["id"]: c for c in contacts}

    def outcome_fields(k: str, o: dict | None) -> tuple[FieldErrors, dict]:
        """The outcome's fields, filled with a stored outcome's values (else empty): their message slots and
        what they hold."""
        errors = FieldErrors()
        a, b = st.columns(2)
        kinds = list(OutcomeKind)
        kind = a.selectbox("Outcome", kinds, index=kinds.index(OutcomeKind(o["kind"])) if o else 0, key=f"{k}_kind",
                           format_func=lambda x: OUTCOME_WORDS[x])
        decided = b.date_input("Decided on", value=o["decided_on"] if o else local(utcnow()).date(), key=f"{k}_day")
        organization = a.text_input("Organization", value=o["organization"] if o else "", key=f"{k}_org",
                                    max_chars=200)
        errors.slot("organization")
        title = b.text_input("Title", value=o["title"] if o else "", key=f"{k}_title", max_chars=200)
        errors.slot("title")
        description = st.text_area("What happened", value=o["description"] if o else "", key=f"{k}_description",
                                   height=80)
        errors.slot("description", "What happened")
        helped_before = list(o["helped_contact_ids"] or []) if o else []
        # Everyone on the list, and whoever helped (an archived person stays named until taken off).
        options = list(by_id) + [i for i in helped_before if i not in by_id and i in everyone]
        helped = st.multiselect("Contacts who helped", options, default=[i for i in helped_before if i in options],
                                key=f"{k}_helped", format_func=lambda i: contact_label(everyone[i]))
        errors.slot("helped_contact_ids", "Contacts who helped")
        return errors, dict(kind=kind, organization=organization, title=title, description=description,
                            decided_on=decided, helped_contact_ids=helped)

    record_name = "student_keep_in_touch_outcome"
    rk = f"{record_name}_{forms.round_of(record_name)}"
    with st.form(f"{rk}_form"):
        record_errors, typed = outcome_fields(rk, None)
        record_clicked = st.form_submit_button("Record outcome", type="primary")
    record_message = st.empty()
    blank = dict(kind=OutcomeKind.INTERNSHIP, organization="", title="", description="",
                 decided_on=local(utcnow()).date(), helped_contact_ids=[])
    if record_clicked and forms.is_repeat(record_name, typed == blank):
        # The second click of a double click, on the form drawn anew: nothing more.
        record_message.success("Outcome recorded.", icon=":material/check:")
    elif record_clicked:
        key = forms.form_key(record_name)
        result = forms.submit(lambda: keep_in_touch.record_outcome(db, actor, OutcomeCreate(**typed),
                                                                   idempotency_key=key),
                              name=record_name, errors=record_errors, where=record_message)
        if result.ok:
            forms.remember_save(record_name)
            forms.next_round(record_name)
            st.toast("Outcome recorded.", icon=":material/check:")
            st.rerun()

    for o in keep_in_touch.list_outcomes(db, actor, actor.user_id):
        with st.container(border=True):
            st.markdown(f"**{OUTCOME_WORDS[OutcomeKind(o['kind'])]}**"
                        + (f" · {md_escape(o['title'])}" if o["title"] else "")
                        + (f" · {md_escape(o['organization'])}" if o["organization"] else ""))
            if o["description"]:
                st.text(o["description"])
            edit_name = f"student_keep_in_touch_outcome_edit_{o['id']}"
            opened = forms.opened_version(edit_name, o["version"])
            ek = f"{edit_name}_{forms.round_of(edit_name)}"
            with st.expander("Edit this outcome", icon=":material/edit:"):
                with st.form(f"{ek}_form", border=False):
                    edit_errors, changed = outcome_fields(ek, o)
                    edit_clicked = st.form_submit_button("Save changes")
                edit_message = st.empty()
                if edit_clicked:
                    result = forms.submit(lambda: keep_in_touch.update_outcome(
                        db, actor, o["id"], OutcomeCreate(**changed), expected_version=opened),
                        name=edit_name, errors=edit_errors, where=edit_message, labels=OUTCOME_LABELS)
                    if result.ok:
                        forms.next_round(edit_name)
                        st.toast("Outcome saved.", icon=":material/check:")
                        st.rerun()
            if st.button(f"Remove \u201c{md_escape(outcome_words(o))}\u201d",
                         key=f"student_keep_in_touch_outcome_remove_{o['id']}", icon=":material/delete:"):
                result = forms.submit(lambda: keep_in_touch.remove_outcome(db, actor, o["id"]))
                if result.ok:
                    st.session_state[REMOVED_OUTCOME] = result.value
                    st.rerun()
            comment_thread(db, actor, actor.user_id, "outcome", o["id"], key=f"student_keep_in_touch_o_{o['id']}")

    pending = [p for p in keep_in_touch.landed_note_status(db, actor, actor.user_id) if not p["note_sent"]]
    landed_template = next((t for t in list_items(db, actor, "template") if t["category"] == "where_i_landed"), None)
    if pending:
        st.subheader("Tell them where you landed", anchor=False)
        st.caption("People like to hear how it turned out. A short note to each person who helped:")
    for p in pending:
        name = f"{p['first_name']} {p['last_name']}".strip()
        news = keep_in_touch.outcome_sentence(p["kind"], p["landed_organization"], p["landed_title"])
        values = merge_fields.values_for(db, actor, p["contact_id"], outcome=news)
        note_name = f"student_keep_in_touch_landed_{p['contact_id']}_{p['outcome_id']}"
        with st.expander(f"Note to {md_escape(name)}", expanded=True):
            body = st.text_area("Note",
                                value=merge_fields.fill(landed_template["body"], values) if landed_template else news,
                                height=180, key=note_name)
            note_sent_at = sent_on(f"{note_name}_sent")
            note_message = st.empty()
            if st.button("Mark note sent", key=f"student_keep_in_touch_landed_go_{p['contact_id']}_{p['outcome_id']}",
                         type="primary"):
                key = forms.form_key(note_name)
                if forms.submit(lambda: keep_in_touch.add_follow_up(db, actor, p["contact_id"], FollowUpCreate(
                        kind=FollowUpKind.WHERE_I_LANDED, body=body), sent_at=note_sent_at, idempotency_key=key),
                        name=note_name, where=note_message).ok:
                    st.rerun()
