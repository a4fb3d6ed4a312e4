"""Thank-yous: due within the thank-you window in force when the meeting was held (the cohort's, 48 hours
unless it says otherwise), drafted with specifics from the meeting log, marked sent; and a second thank-you
proposed to whoever referred the contact."""

import streamlit as st

from core.admin.library import list_items
from core.campaign import merge_fields, thanks
from core.campaign.contacts import list_contacts
from core.campaign.meetings import list_student_meetings
from core.models import Channel, Role, ThankYouCreate
from ui import forms
from ui.campaign import FieldErrors, contact_picker, link
from ui.comments import comment_thread
from ui.guard import require
from ui.mail import open_in_mail_program
from ui.sent_on import sent_on
from ui.widgets import md_escape, stage_badge, when

db, actor = require(Role.STUDENT)

st.title("Thank-yous", anchor=False)
# Only people met are thanked; those still waiting for their thank-you come first.
met_ids = {m["contact_id"] for m in list_student_meetings(db, actor, status="held")}
met = sorted((c for c in list_contacts(db, actor) if c["id"] in met_ids), key=lambda c: c["stage"] != "interview")
contact = contact_picker(db, actor, key="student_thank_you_contact", contacts=met)
if contact is None:
    st.info("A thank-you is due once a meeting has been held and logged.")
    link("pages/student_meetings.py", "Go to Meetings", icon=":material/event:")
    st.stop()
stage_badge(contact["stage"], contact.get("outreach_reply"))
cid = contact["id"]
templates = {t["category"]: t for t in list_items(db, actor, "template")}


def draft_box(kind: str, meeting_id: int | None, template_key: str, label: str, *, said: str,
              to: str | None = None) -> None:
    """The one thank-you of a meeting and kind: its saved draft (else the template) edited in place,
    opened in the student's mail program (to the address `to`, when known), saved as a draft or saved
    and marked sent as written, in one step."""
    draft = next((t for t in current if t["kind"] == kind and t["sent_at"] is None
                  and (kind == "referrer" or t["meeting_id"] == meeting_id)), None)
    name = f"student_thank_you_{kind}_{cid}_{meeting_id}"
    opened = forms.opened_version(name, draft["version"] if draft else 0)
    if draft is not None:
        text = draft["body"]
        st.caption(f"Your draft, saved {when(draft['updated_at'])}: edit it here, then send it.")
    else:
        template = templates.get(template_key)
        values = merge_fields.values_for(db, actor, cid, meeting_id=meeting_id)
        text = merge_fields.fill(template["body"], values) if template else ""
    errors = FieldErrors()
    body = st.text_area(label, value=text, height=220, key=f"{name}_body")
    errors.slot("body", said)
    missing = merge_fields.unfilled(body)
    if missing:
        st.caption("Still to fill in: " + ", ".join("{" + m + "}" for m in missing))
    template = templates.get(template_key)
    subject = "Thank you"
    if template and template.get("subject"):
        subject = merge_fields.fill(template["subject"], merge_fields.values_for(db, actor, cid, meeting_id=meeting_id))
    open_in_mail_program(to, subject, body)
    # Sent earlier than now (emailed on time, logged later): the day and time it went out keep it on time.
    sent_at = sent_on(f"{name}_sent")
    a, b = st.columns(2)
    save = a.button("Save draft", key=f"{name}_save")
    send = b.button("Mark sent", type="primary", key=f"{name}_send", help="Saves the text above and marks it sent")
    message = st.empty()
    if save or send:
        key = forms.form_key(name)
        result = forms.submit(lambda: thanks.save_thank_you(
            db, actor, cid, ThankYouCreate(body=body, channel=Channel.EMAIL), kind=kind, meeting_id=meeting_id,
            send=send, sent_at=sent_at, expected_version=opened, idempotency_key=key),
            name=name, errors=errors, where=message, labels={"body": "The saved thank-you"})
        if result.ok:
            st.session_state.pop(f"{name}_body", None)
            st.toast("Thank-you marked sent." if send else "Draft saved.", icon=":material/check:")
            st.rerun()
    if draft is not None:
        comment_thread(db, actor, actor.user_id, "thank_you", draft["id"], key=f"student_thank_you_ty_{draft['id']}")


status = thanks.thank_you_status(db, actor, cid)
current = thanks.current_thank_yous(db, actor, cid)
if not status:
    st.info("A thank-you is due once a meeting with this person has been held and logged.")
    link("pages/student_meetings.py", "Go to Meetings", contact_id=cid, icon=":material/event:")

for s in status:
    st.subheader(f"Meeting of {when(s['held_at'])}", anchor=False)
    if s["sent_at"] is not None:
        late = " (after the window)" if s["sent_late"] else ""
        st.success(f"Thank-you sent {when(s['sent_at'])}{late}.", icon=":material/check:")
    elif s["overdue"]:
        st.error(f"Overdue: it was due {when(s['due_at'])}, {s['hours_late']} hours ago. Send it today.",
                 icon=":material/error:")
    else:
        st.warning(f"Due by {when(s['due_at'])}: {s['hours_left']} hours left.", icon=":material/schedule:")
    if s["sent_at"] is None:
        draft_box("interview", s["meeting_id"], "thank_you", "Your thank-you (specifics come from your meeting log)",
                  said="Your thank-you", to=contact["email"])

for t in [t for t in current if t["sent_at"] is not None]:
    with st.expander(f"Sent {when(t['sent_at'])}" + (" · to the referrer" if t["kind"] == "referrer" else "")):
        st.text(t["body"])
        comment_thread(db, actor, actor.user_id, "thank_you", t["id"], key=f"student_thank_you_ty_{t['id']}")

referrer = thanks.referrer_to_thank(db, actor, cid)
if referrer is not None and status:
    name = f"{referrer['first_name']} {referrer['last_name']}".strip()
    st.subheader("A second thank-you", anchor=False)
    if referrer["thanked"]:
        st.markdown(f"You thanked **{md_escape(name)}** for the introduction.")
    else:
        st.markdown(f"**{md_escape(name)}** pointed you to this person: thank whoever referred you as well, "
                    "and say how the conversation went.")
        draft_box("referrer", status[-1]["meeting_id"], "referrer_thank_you", f"Thank-you to {md_escape(name)}",
                  said=f"Your thank-you to {md_escape(name)}", to=referrer["email"])

if status and all(s["sent_at"] for s in status):
    link("pages/student_reflection.py", "Next: reflect on the meeting", contact_id=cid, icon=":material/psychology:")
